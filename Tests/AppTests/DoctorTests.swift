import Domain
import Foundation
import Logging
import SQLiteStorage
import Storage
import TestSupport
import Testing

@testable import App

/// `doctor`'s checks in-process: secrets are redacted, the schema line, and the bounded LLM probe. SQLite-only: the
/// doctor inspects the SQLite file (quick_check, WAL, schema versions read from the file).
@Suite struct DoctorTests {
    static func deps(_ dir: TestDirectory, _ values: [String: String] = [:]) throws -> AppDependencies {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return AppDependencies(config: try TestApp.config(dir, values), logger: logger)
    }

    static func migrated(_ dir: TestDirectory) async throws {
        try await StoreBackend.sqlite.makeStore(in: dir).close()
    }

    @Test func aHealthyInstallationHasNoFailureAndSecretsAreRedacted() async throws {
        let dir = TestDirectory(backend: .sqlite)
        try await Self.migrated(dir)
        let checks = await AppCommands.doctor(try Self.deps(dir, ["OPENAI_API_KEY": "sk-very-secret-key"]))
        #expect(checks.allSatisfy { $0.status != .fail }, "\(checks.map(\.line))")
        #expect(
            checks.map(\.name) == ["config", "database", "server", "schema", "quick_check", "wal", "tables", "card font", "disk", "llm", "backup"])
        let config = try #require(checks.first)
        #expect(config.detail.contains("JWT_SECRET set (redacted)"))
        #expect(config.detail.contains("OPENAI_API_KEY set (redacted)"))
        let all = checks.map(\.line).joined(separator: "\n")
        #expect(!all.contains(TestApp.secret))
        #expect(!all.contains("sk-very-secret-key"))
    }

    @Test func tablesListRowsAndBytesPerTableLargestFirst() async throws {
        let dir = TestDirectory(backend: .sqlite)
        try await Self.migrated(dir)
        let database = try await TestDatabase.open(dir)
        try await database.execute(
            "INSERT INTO llm_cache(cache_key, operation, response, created_at) VALUES ('a', 'x', ?, '2026-01-01T00:00:00.000000Z')",
            [String(repeating: "r", count: 50_000)])
        try await database.close()
        let sizes = try DatabaseFile(path: dir.databasePath).tableSizes()
        let cache = try #require(sizes.tables.first { $0.name == "llm_cache" })
        #expect(cache.rows == 1)
        #expect(sizes.tables.contains { $0.name == "events" && $0.rows == 0 })
        if let bytes = cache.bytes {
            // dbstat is there (Debian's SQLite has it): the 50 kB row's overflow pages count for its table.
            #expect(bytes >= 50_000 && sizes.tables.first?.name == "llm_cache", "\(sizes.tables)")
        }
        let line = Doctor(config: try TestApp.config(dir), clock: SystemClock(), probeLLM: nil).tables(DatabaseFile(path: dir.databasePath))
        #expect(line.status == .ok && line.detail.hasPrefix("llm_cache 1 rows") == (cache.bytes != nil), "\(line.detail)")
    }

    @Test func pendingMigrationsWarnAndUnknownOnesFail() async throws {
        let dir = TestDirectory(backend: .sqlite)
        try await Self.migrated(dir)
        let database = try await TestDatabase.open(dir)
        try await database.execute("DELETE FROM schema_migrations WHERE version = ?", [Migrations.all.last!.version])
        try await database.close()
        let doctor = Doctor(config: try TestApp.config(dir), clock: SystemClock(), probeLLM: nil)
        let pending = try doctor.schema(DatabaseFile(path: dir.databasePath).check(thorough: false))
        #expect(pending.status == .warn)
        #expect(pending.detail.contains(Migrations.all.last!.version))

        let newer = try await TestDatabase.open(dir)
        try await newer.execute("INSERT INTO schema_migrations(version) VALUES ('9999_future.sql')")
        try await newer.close()
        let unknown = try doctor.schema(DatabaseFile(path: dir.databasePath).check(thorough: false))
        #expect(unknown.status == .fail)
        #expect(unknown.detail.contains("9999_future.sql"))
    }

    @Test func theOpenAIProbeIsOkWhenTheProviderAnswersAndFailsWithinFiveSecondsWhenItHangs() async throws {
        let dir = TestDirectory(backend: .sqlite)
        try await Self.migrated(dir)
        let answering = FakeOpenAIServer([.completion("ok")])
        let ok = try await FakeOpenAIServer.run(answering) { base in
            await AppCommands.doctor(try Self.deps(dir, ["LLM_PROVIDER": "openai", "OPENAI_BASE_URL": base, "OPENAI_API_KEY": "k"]))
        }
        #expect(ok.first { $0.name == "llm" }?.status == .ok)
        #expect(await answering.requestCount == 1, "one request, no retries")

        // Structural, not a stopwatch: the provider hangs for 60 s and OPENAI_REQUEST_TIMEOUT is 120 s, so only the
        // probe's own 5 s cap can make it give up while the server is still hanging (hangsAnswered == 0). An
        // elapsed-time bound on the whole doctor run failed on a loaded CI machine; this cannot.
        let hanging = FakeOpenAIServer([.hang(seconds: 60)])
        let failed = try await FakeOpenAIServer.run(hanging) { base in
            let checks = await AppCommands.doctor(
                try Self.deps(
                    dir,
                    [
                        "LLM_PROVIDER": "openai", "OPENAI_BASE_URL": base, "OPENAI_API_KEY": "k",
                        "OPENAI_MAX_RETRIES": "3", "OPENAI_REQUEST_TIMEOUT": "120s",
                    ]))
            #expect(await hanging.hangsAnswered == 0, "the probe gave up only after the provider answered")
            return checks
        }
        let llm = try #require(failed.first { $0.name == "llm" })
        #expect(llm.status == .fail)
        #expect(llm.detail.contains("timed out") || llm.detail.contains("deadline"), "\(llm.detail)")
        #expect(await hanging.requestCount == 1, "no retries in a health check")
    }
}
