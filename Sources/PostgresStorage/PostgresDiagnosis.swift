import Foundation
import Logging
import PostgresNIO

/// What `personaworlds doctor` reads from a PostgreSQL server: one connection of its own (so a connection error is
/// reported as the server gave it, not as a pool timeout), read-only statements in one READ ONLY transaction, then
/// the connection is closed. Tables that do not exist yet (a new or a foreign database) leave their figures nil.
public struct PostgresDiagnosis: Sendable, Equatable {
    /// `server_version`, e.g. `15.8 (Debian 15.8-0+deb12u1)`.
    public var serverVersion: String
    /// Seconds from connecting to the first answer (connect, authenticate, one statement).
    public var roundTripSeconds: Double
    /// Client sessions on the whole server now, `max_connections` and the slots kept for superusers.
    public var connectionsInUse: Int
    public var maxConnections: Int
    public var reservedConnections: Int
    /// The versions in `schema_migrations`; nil when the table does not exist.
    public var appliedMigrations: [String]?
    /// Jobs that could run now (PENDING, or FAILED with attempts left, whose time has come) and how long the one
    /// waiting longest has waited since it became runnable; nil without a `jobs` table.
    public var runnableJobs: Int?
    public var oldestRunnableWaitSeconds: Double?
    /// `pg_stat_user_tables` for `jobs`: live and dead row versions and seconds since the last (auto)vacuum.
    public var jobsLiveTuples: Int?
    public var jobsDeadTuples: Int?
    public var jobsLastVacuumSecondsAgo: Double?

    public init(
        serverVersion: String, roundTripSeconds: Double, connectionsInUse: Int, maxConnections: Int, reservedConnections: Int,
        appliedMigrations: [String]?, runnableJobs: Int?, oldestRunnableWaitSeconds: Double?, jobsLiveTuples: Int?, jobsDeadTuples: Int?,
        jobsLastVacuumSecondsAgo: Double?
    ) {
        self.serverVersion = serverVersion
        self.roundTripSeconds = roundTripSeconds
        self.connectionsInUse = connectionsInUse
        self.maxConnections = maxConnections
        self.reservedConnections = reservedConnections
        self.appliedMigrations = appliedMigrations
        self.runnableJobs = runnableJobs
        self.oldestRunnableWaitSeconds = oldestRunnableWaitSeconds
        self.jobsLiveTuples = jobsLiveTuples
        self.jobsDeadTuples = jobsDeadTuples
        self.jobsLastVacuumSecondsAgo = jobsLastVacuumSecondsAgo
    }

    /// The applied versions this binary's migrations do not include (a newer release wrote them).
    public var unknownMigrations: [String] {
        let known = Set(PostgresMigrations.all.compactMap(\.number))
        return (appliedMigrations ?? []).filter { version in PostgresMigrations.Migration.number(of: version).map { !known.contains($0) } ?? true }
    }

    /// The migrations this binary knows that are not applied.
    public var pendingMigrations: [String] {
        let applied = PostgresMigrations.appliedNumbers(appliedMigrations ?? [])
        return PostgresMigrations.all.filter { migration in migration.number.map { !applied.contains($0) } ?? true }.map(\.version)
    }

    /// Connects to the server of `settings`, reads the figures and closes the connection. Throws what connecting or a
    /// statement threw (refused, unknown database, authentication), bounded by `settings.queryTimeout` per statement
    /// and ten seconds for the connection.
    public static func read(settings: PostgresSettings, maxAttempts: Int, logger: Logger) async throws -> PostgresDiagnosis {
        var configuration = try PostgresStore.connectionConfiguration(settings, applicationName: "personaworlds-doctor")
        configuration.options.additionalStartupParameters.append(
            ("statement_timeout", String(Int((max(0, settings.queryTimeout) * 1000).rounded()))))
        let started = ContinuousClock.now
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        do {
            let result = try await Connection(raw: connection, logger: logger).transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") { db in
                try await figures(db, maxAttempts: maxAttempts, started: started)
            }
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// What went wrong, in the server's or the network's words (postgres-nio's own description hides both), without
    /// the statement or its parameters.
    public static func reason(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] {
            return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return String(describing: underlying) }
        return "\(error.code)"
    }

    private static func figures(_ db: Connection, maxAttempts: Int, started: ContinuousClock.Instant) async throws -> PostgresDiagnosis {
        let server = try await db.rows(
            """
            SELECT current_setting('server_version'), current_setting('max_connections')::int,
                   current_setting('superuser_reserved_connections')::int,
                   (SELECT COUNT(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int
            """)[0]
        let (version, maxConnections, reserved, inUse) = try server.decode((String, Int, Int, Int).self)
        var diagnosis = PostgresDiagnosis(
            serverVersion: version, roundTripSeconds: PostgresStore.seconds(ContinuousClock.now - started), connectionsInUse: inUse,
            maxConnections: maxConnections, reservedConnections: reserved, appliedMigrations: nil, runnableJobs: nil,
            oldestRunnableWaitSeconds: nil, jobsLiveTuples: nil, jobsDeadTuples: nil, jobsLastVacuumSecondsAgo: nil)
        if try await db.value("SELECT to_regclass('schema_migrations') IS NOT NULL", as: Bool.self) == true {
            diagnosis.appliedMigrations = try await db.column("SELECT version FROM schema_migrations ORDER BY version", as: String.self)
        }
        guard try await db.value("SELECT to_regclass('jobs') IS NOT NULL", as: Bool.self) == true else { return diagnosis }
        // The queue's own pick index (`idx_jobs_active_pick`) covers this read.
        let queue = try await db.rows(
            """
            SELECT COUNT(*)::int, EXTRACT(EPOCH FROM now() - MIN(available_at))::float8 FROM jobs
            WHERE (status = 'PENDING' OR (status = 'FAILED' AND attempts < \(maxAttempts))) AND available_at <= now()
            """)[0]
        (diagnosis.runnableJobs, diagnosis.oldestRunnableWaitSeconds) = try queue.decode((Int, Double?).self)
        if let stats = try await db.rows(
            """
            SELECT n_live_tup::bigint, n_dead_tup::bigint, EXTRACT(EPOCH FROM now() - GREATEST(last_vacuum, last_autovacuum))::float8
            FROM pg_stat_user_tables WHERE relid = to_regclass('jobs')
            """
        ).first {
            (diagnosis.jobsLiveTuples, diagnosis.jobsDeadTuples, diagnosis.jobsLastVacuumSecondsAgo) = try stats.decode((Int, Int, Double?).self)
        }
        return diagnosis
    }
}
