import Foundation
import Logging
import PostgresStorage
import TestSupport
import Testing

@testable import App

/// `doctor` on PostgreSQL: the server's checks against the throwaway cluster (healthy, a waiting job and dead rows,
/// pending and unknown migrations, no server), and every threshold on figures made up in the test.
@Suite struct DoctorPostgresTests {
    static func deps(_ dir: TestDirectory, _ values: [String: String] = [:]) throws -> AppDependencies {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return AppDependencies(config: try TestApp.config(dir, values), logger: logger)
    }

    /// A migrated database of the cluster, in a test directory whose configuration points at it.
    static func database() async throws -> TestDirectory? {
        guard StoreBackend.postgres.isAvailable else { return nil }
        let dir = TestDirectory(backend: .postgres)
        try await StoreBackend.postgres.prepare(dir)
        return dir
    }

    static func check(_ checks: [DoctorCheck], _ name: String) throws -> DoctorCheck {
        try #require(checks.first { $0.name == name }, "no \(name) line in \(checks.map(\.line))")
    }

    @Test func aHealthyDatabaseHasAServerSchemaQueueAndJobsTableLineAndNoFailure() async throws {
        guard let dir = try await Self.database() else { return }
        let checks = await AppCommands.doctor(try Self.deps(dir))
        #expect(checks.map(\.name) == ["config", "database", "server", "schema", "queue", "jobs table", "card font", "llm"])
        #expect(checks.allSatisfy { $0.status == .ok }, "\(checks.map(\.line))")
        #expect(try Self.check(checks, "database").detail.hasPrefix("PostgreSQL at postgres://"))
        #expect(try Self.check(checks, "server").detail.hasPrefix("PostgreSQL 1"))
        #expect(try Self.check(checks, "schema").detail.hasSuffix("none pending"))
        #expect(try Self.check(checks, "queue").detail == "no job waiting to run")
        #expect(try Self.check(checks, "jobs table").detail.hasPrefix("n_dead_tup "))
    }

    @Test func aJobWaitingTenMinutesWarnsAndDeadRowsAreCounted() async throws {
        guard let dir = try await Self.database() else { return }
        let db = try await TestDatabase.open(dir)
        // Vacuum stays off for this table, so the dead rows the test makes are still there when doctor counts them.
        try await db.execute("ALTER TABLE jobs SET (autovacuum_enabled = false)")
        try await TestApp.withRouter(backend: .postgres, runWorker: false, in: dir) { client, _ in
            let (token, _) = try await client.signup()
            _ = try await client.createPersona(token: token, name: "Pro")
            _ = try await client.createPersona(token: token, name: "Con")
            _ = try await client.createBattle(token: token, room: try await client.firstRoom(token: token).id)
        }
        let jobs = try #require(try await db.int("SELECT COUNT(*) FROM jobs WHERE status = 'PENDING'"))
        #expect(jobs > 0)
        // Each update leaves one dead row version per job.
        for _ in 0..<3 { try await db.execute("UPDATE jobs SET available_at = available_at - interval '200 seconds'") }
        #expect(
            try await eventually { try await db.int("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'jobs'") ?? 0 >= 3 * jobs },
            "the statistics show the dead rows")
        let checks = await AppCommands.doctor(try Self.deps(dir))
        let queue = try Self.check(checks, "queue")
        #expect(queue.status == .warn && queue.detail.contains("the oldest waiting 10m"), "\(queue.line)")
        let table = try Self.check(checks, "jobs table")
        let dead = Int(table.detail.dropFirst("n_dead_tup ".count).prefix { $0.isNumber }) ?? -1
        #expect(table.status == .ok && dead >= 3 * jobs, "\(table.line)")
    }

    @Test func aPendingMigrationWarnsAndAVersionFromANewerBinaryFails() async throws {
        guard let dir = try await Self.database() else { return }
        let db = try await TestDatabase.open(dir)
        let latest = try #require(try await db.string("SELECT MAX(version) FROM schema_migrations"))
        try await db.execute("DELETE FROM schema_migrations WHERE version = ?", [latest])
        var schema = try Self.check(await AppCommands.doctor(try Self.deps(dir)), "schema")
        #expect(schema.status == .warn && schema.detail.contains("pending: \(latest)"), "\(schema.line)")
        try await db.execute("INSERT INTO schema_migrations(version) VALUES (?), ('099_from_a_newer_release.sql')", [latest])
        schema = try Self.check(await AppCommands.doctor(try Self.deps(dir)), "schema")
        #expect(schema.status == .fail && schema.detail.contains("099_from_a_newer_release.sql"), "\(schema.line)")
    }

    @Test func noServerFailsWithTheReasonAndChecksNothingElse() async throws {
        let dir = TestDirectory(backend: .sqlite)
        // Nothing listens on port 1 of loopback: the connection is refused at once.
        let checks = await AppCommands.doctor(try Self.deps(dir, ["DATABASE_URL": "postgres://nobody@127.0.0.1:1/personaworlds?sslmode=disable"]))
        let database = try Self.check(checks, "database")
        #expect(database.status == .fail && database.detail.hasPrefix("PostgreSQL at postgres://nobody@127.0.0.1:1/personaworlds: "))
        #expect(try Self.check(checks, "schema").status == .fail)
        #expect(!checks.contains { $0.name == "queue" })
    }

    // MARK: Thresholds, on made-up figures

    /// A healthy server's figures: every migration applied, nothing waiting, a vacuumed table.
    static let healthy = PostgresDiagnosis(
        serverVersion: "15.8", roundTripSeconds: 0.002, connectionsInUse: 5, maxConnections: 100, reservedConnections: 3,
        appliedMigrations: PostgresMigrations.all.map(\.version), runnableJobs: 0, oldestRunnableWaitSeconds: nil, jobsLiveTuples: 40,
        jobsDeadTuples: 2, jobsLastVacuumSecondsAgo: 60)

    @Test func theQueueWarnsAfterFiveMinutesAndFailsAfterAnHour() {
        var d = Self.healthy
        d.runnableJobs = 3
        d.oldestRunnableWaitSeconds = Doctor.queueWarnSeconds - 1
        #expect(Doctor.queue(d)?.status == .ok)
        d.oldestRunnableWaitSeconds = Doctor.queueWarnSeconds
        #expect(Doctor.queue(d)?.status == .warn)
        d.oldestRunnableWaitSeconds = Doctor.queueFailSeconds
        #expect(Doctor.queue(d)?.status == .fail)
        #expect(Doctor.queue(d)?.detail.hasPrefix("3 jobs ready to run, the oldest waiting 1h") == true)
        d.runnableJobs = nil
        #expect(Doctor.queue(d) == nil, "no jobs table, no line")
    }

    @Test func deadRowsWarnOnlyWhenManyAndMoreThanTheLiveOnes() {
        var d = Self.healthy
        d.jobsDeadTuples = Doctor.deadTuplesWarn + 1
        d.jobsLiveTuples = 10
        #expect(Doctor.jobsTable(d)?.status == .warn)
        d.jobsLiveTuples = 10 * Doctor.deadTuplesWarn
        #expect(Doctor.jobsTable(d)?.status == .ok, "a big busy table")
        d.jobsDeadTuples = Doctor.deadTuplesWarn
        d.jobsLiveTuples = 0
        #expect(Doctor.jobsTable(d)?.status == .ok)
        d.jobsLastVacuumSecondsAgo = nil
        #expect(Doctor.jobsTable(d)?.detail.hasSuffix("not vacuumed yet") == true)
    }

    @Test func theServerWarnsWhenAnotherNodesPoolWouldNotFit() {
        var d = Self.healthy
        d.maxConnections = 100
        d.reservedConnections = 3
        d.connectionsInUse = 86
        #expect(Doctor.server(d, poolSize: 10).status == .ok, "11 free for 10 + LISTEN")
        d.connectionsInUse = 87
        #expect(Doctor.server(d, poolSize: 10).status == .warn)
    }

    @Test func theSchemaFailsWithoutATableOrWithAnUnknownVersionAndWarnsWhenBehind() {
        var d = Self.healthy
        #expect(Doctor.postgresSchema(d).status == .ok)
        d.appliedMigrations = nil
        #expect(Doctor.postgresSchema(d).status == .fail)
        d.appliedMigrations = Array((Self.healthy.appliedMigrations ?? []).prefix(7))
        let behind = Doctor.postgresSchema(d)
        #expect(behind.status == .warn && behind.detail.hasPrefix("7/"), "the original's 001-007 only: \(behind.line)")
        d.appliedMigrations = (Self.healthy.appliedMigrations ?? []) + ["900_later.sql"]
        #expect(Doctor.postgresSchema(d).status == .fail)
    }
}
