import Foundation
import Logging
import PostgresStorage

/// `doctor` on PostgreSQL: the server's own checks in place of the SQLite file's (size, lock, `quick_check`, WAL,
/// disk, backups): the connection, the server and its free connection slots, the schema version, the queue's
/// oldest runnable job and the dead rows in `jobs`. One connection of its own, read-only statements, closed again.
extension Doctor {
    /// A runnable job waiting this long means the workers are behind or not running (a healthy queue starts a job
    /// within `WORKER_POLL_EVERY`, and within milliseconds when woken); this much longer, that none is running.
    static let queueWarnSeconds = 300.0
    static let queueFailSeconds = 3600.0
    /// Dead row versions in `jobs` above this, and more of them than live rows, mean vacuum is not keeping up: every
    /// claim and finish leaves one, and a long-open transaction anywhere on the server stops vacuum from removing them.
    static let deadTuplesWarn = 100_000

    func postgres(_ url: DatabaseURL) async -> [DoctorCheck] {
        [configuration()] + (await postgresDatabase(url)) + [cardFont(), await llm()]
    }

    /// The database lines on PostgreSQL, as `doctor` and the console's live health both show them: the connection, the
    /// server, the schema, the queue and the `jobs` table; when the server cannot be reached, why, and the schema as not
    /// checked.
    func postgresDatabase(_ url: DatabaseURL) async -> [DoctorCheck] {
        let settings = StoreEngine.postgresSettings(url, config: config)
        var logger = Logger(label: "personaworlds.doctor")
        logger.logLevel = .critical
        let diagnosis: PostgresDiagnosis
        do {
            diagnosis = try await PostgresDiagnosis.read(settings: settings, maxAttempts: config.jobMaxAttempts, logger: logger)
        } catch {
            let reason = PostgresDiagnosis.reason(error).prefix(300)
            return [
                DoctorCheck(.fail, "database", "PostgreSQL at \(url.redacted): \(reason)"),
                DoctorCheck(.fail, "schema", "not checked: no connection"),
            ]
        }
        return Self.postgresChecks(diagnosis, target: url.redacted, poolSize: config.databasePoolSize)
    }

    /// The lines for what the server said (pure, so every threshold is tested without a server in that state).
    static func postgresChecks(_ d: PostgresDiagnosis, target: String, poolSize: Int) -> [DoctorCheck] {
        let connected = DoctorCheck(.ok, "database", String(format: "PostgreSQL at %@ answered in %.0f ms", target, d.roundTripSeconds * 1000))
        return [connected, server(d, poolSize: poolSize), postgresSchema(d), queue(d), jobsTable(d)].compactMap { $0 }
    }

    /// The version, and whether one more node's pool (and its LISTEN connection) would still find free slots.
    static func server(_ d: PostgresDiagnosis, poolSize: Int) -> DoctorCheck {
        let free = d.maxConnections - d.reservedConnections - d.connectionsInUse
        let detail = "PostgreSQL \(d.serverVersion); \(d.connectionsInUse) of \(d.maxConnections) connections in use"
        if free < poolSize + 1 {
            return DoctorCheck(
                .warn, "server",
                detail + ", \(max(0, free)) free: another node (DATABASE_POOL_SIZE=\(poolSize) + 1 LISTEN) would not get its connections")
        }
        return DoctorCheck(.ok, "server", detail)
    }

    static func postgresSchema(_ d: PostgresDiagnosis) -> DoctorCheck {
        guard let applied = d.appliedMigrations else {
            return DoctorCheck(
                .fail, "schema", "no schema_migrations table: not a PersonaWorlds database yet (personaworlds migrate creates the schema)")
        }
        let unknown = d.unknownMigrations
        if !unknown.isEmpty {
            return DoctorCheck(.fail, "schema", "versions this binary does not know: \(unknown.joined(separator: ", ")) (a newer release wrote it)")
        }
        let pending = d.pendingMigrations
        let summary =
            "\(PostgresMigrations.all.count - pending.count)/\(PostgresMigrations.all.count) migrations applied, latest \(applied.last ?? "none")"
        if !pending.isEmpty {
            return DoctorCheck(.warn, "schema", "\(summary); pending: \(pending.joined(separator: ", ")) (applied when the server starts)")
        }
        return DoctorCheck(.ok, "schema", "\(summary), none pending")
    }

    /// The oldest job that could run now and has not been claimed; nil without a `jobs` table.
    static func queue(_ d: PostgresDiagnosis) -> DoctorCheck? {
        guard let runnable = d.runnableJobs else { return nil }
        guard runnable > 0, let wait = d.oldestRunnableWaitSeconds else { return DoctorCheck(.ok, "queue", "no job waiting to run") }
        let detail = "\(runnable) job\(runnable == 1 ? "" : "s") ready to run, the oldest waiting \(duration(max(0, wait)))"
        if wait >= queueFailSeconds { return DoctorCheck(.fail, "queue", detail + ": is any worker running? (serve or serve --worker-only)") }
        if wait >= queueWarnSeconds { return DoctorCheck(.warn, "queue", detail + ": the workers are behind or stopped") }
        return DoctorCheck(.ok, "queue", detail)
    }

    /// `n_dead_tup` on `jobs`; nil without statistics for the table.
    static func jobsTable(_ d: PostgresDiagnosis) -> DoctorCheck? {
        guard let dead = d.jobsDeadTuples, let live = d.jobsLiveTuples else { return nil }
        let vacuumed = d.jobsLastVacuumSecondsAgo.map { "last vacuumed \(duration(max(0, $0))) ago" } ?? "not vacuumed yet"
        let detail = "n_dead_tup \(dead), n_live_tup \(live), \(vacuumed)"
        if dead > deadTuplesWarn && dead > live {
            return DoctorCheck(
                .warn, "jobs table", detail + ": vacuum is not keeping up (a long-open transaction? see pg_stat_activity.xact_start)")
        }
        return DoctorCheck(.ok, "jobs table", detail)
    }
}
