import Foundation
import SQLiteStorage
import Storage
import TestSupport
import Testing

/// `backup`, `restore` and `doctor` as an operator runs them: the real binary, beside a real `serve`. SQLite-only:
/// these are SQLite's operations (PostgreSQL installations use `pg_dump`/`pg_restore`).
@Suite(.serialized) struct OperationsProcessTests {
    static let secret = "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

    static func env(_ dir: TestDirectory, _ extra: [String: String] = [:]) -> [String: String] {
        var env = ["DATABASE_PATH": dir.databasePath, "JWT_SECRET": secret, "LOG_LEVEL": "warning"]
        for (k, v) in extra { env[k] = v }
        return env
    }

    static func signup(_ server: ServerProcess, _ email: String) async throws -> Bool {
        try await server.request("POST", "/auth/signup", json: #"{"email":"\#(email)","password":"password123"}"#).status == 201
    }

    static func emails(_ path: String) async throws -> Set<String> {
        let database = try TestDatabase.sqliteFile(path)
        let emails = Set(try await database.strings("SELECT email FROM users"))
        try await database.close()
        return emails
    }

    static func contents(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func backupWhileServeTakesSignupsHoldsEveryAccountAcknowledgedBeforeIt() async throws {
        let dir = TestDirectory()
        // One address signs up as fast as it can, so the per-IP signup limit is off for this test.
        let server = try await ServerProcess(directory: dir, environment: ["RATE_LIMIT_SIGNUP_PER_HOUR": "0"])
        let acknowledged = LockedBox<[String]>([])
        let stop = LockedBox(false)
        let target = dir.path + "/online.sqlite"
        let (before, backup) = try await withThrowingTaskGroup(of: Void.self) { group -> ([String], (status: Int32, output: String)) in
            for client in 0..<4 {
                group.addTask {
                    var n = 0
                    while !stop.value {
                        n += 1
                        let email = "load-\(client)-\(n)@example.com"
                        if (try? await Self.signup(server, email)) == true { acknowledged.mutate { $0.append(email) } }
                    }
                }
            }
            // Conditions, not fixed times: a loaded machine makes each signup (a password hash) slow.
            _ = try await eventually { acknowledged.value.count >= 20 }
            let before = acknowledged.value
            let backup = try await ServerProcess.run(["backup", "--to", target], environment: Self.env(dir))
            _ = try await eventually { acknowledged.value.count > before.count }
            stop.mutate { $0 = true }
            try await group.waitForAll()
            return (before, backup)
        }
        #expect(backup.status == 0, "\(backup.output)")
        #expect(backup.output.hasPrefix("backup: \(target) ("), "\(backup.output)")
        #expect(backup.output.contains("integrity ok"))
        #expect(acknowledged.value.count > before.count, "the server kept taking writes around the backup")
        #expect(try await server.request("GET", "/healthz").status == 200)
        #expect(await server.stop() == 0)

        let elsewhere = TestDirectory()
        let restore = try await ServerProcess.run(["restore", target], environment: Self.env(elsewhere))
        #expect(restore.status == 0, "\(restore.output)")
        #expect(restore.output.contains("there was no database to replace"))
        #expect(try DatabaseFile(path: elsewhere.databasePath).check(thorough: true).isIntact)
        let restored = try await Self.emails(elsewhere.databasePath)
        let missing = before.filter { !restored.contains($0) }
        #expect(missing.isEmpty, "acknowledged before the backup but not in it: \(missing.prefix(5))")
    }

    @Test func restoreRefusesWhileServeRunsAndRefusesCorruptForeignAndTextFiles() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(directory: dir)
        #expect(try await Self.signup(server, "kept@example.com"))
        let good = dir.path + "/good.sqlite"
        #expect(try await ServerProcess.run(["backup", "--to", good], environment: Self.env(dir)).status == 0)
        #expect(try await Self.signup(server, "after-backup@example.com"))

        let busy = try await ServerProcess.run(["restore", good], environment: Self.env(dir))
        #expect(busy.status == 1)
        #expect(busy.output.contains("restore: refused: a server is using \(dir.databasePath) (pid \(server.pid))"), "\(busy.output)")
        #expect(
            try await server.request("POST", "/auth/login", json: #"{"email":"after-backup@example.com","password":"password123"}"#).status == 200,
            "the refused restore must not touch the running server's data")
        #expect(await server.stop() == 0)

        let text = dir.path + "/notes.txt"
        try "not a database\n".write(toFile: text, atomically: true, encoding: .utf8)
        let foreign = dir.path + "/foreign.sqlite"
        let other = try TestDatabase.sqliteFile(foreign)
        try await other.execute("CREATE TABLE t(x); INSERT INTO t VALUES (1)")
        try await other.close()
        let corrupt = dir.path + "/corrupt.sqlite"
        try FileManager.default.copyItem(atPath: good, toPath: corrupt)
        let handle = try #require(FileHandle(forUpdatingAtPath: corrupt))
        let size = try handle.seekToEnd()
        for offset in stride(from: UInt64(4096), to: size, by: 8192) {
            try handle.seek(toOffset: offset)
            handle.write(Data(repeating: 0xA5, count: 1024))
        }
        try handle.close()

        let untouched = try Self.contents(dir.databasePath)
        for (file, message) in [(text, "is not a readable SQLite database"), (foreign, "is not a PersonaWorlds database"), (corrupt, "")] {
            let refused = try await ServerProcess.run(["restore", file], environment: Self.env(dir))
            #expect(refused.status == 1, "\(file): \(refused.output)")
            #expect(refused.output.hasPrefix("restore: refused: "), "\(refused.output)")
            #expect(message.isEmpty || refused.output.contains(message), "\(refused.output)")
            #expect(try Self.contents(dir.databasePath) == untouched, "a refused restore changed the database")
        }
        let replacedBefore = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".replaced-") }
        #expect(replacedBefore.isEmpty)

        let ok = try await ServerProcess.run(["restore", good], environment: Self.env(dir))
        #expect(ok.status == 0, "\(ok.output)")
        let kept = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("db.sqlite.replaced-") }
        #expect(kept.count == 1)
        #expect(ok.output.contains("the replaced database is kept as \(dir.path)/\(kept.first ?? "?")"))
        #expect(try await Self.emails(dir.path + "/" + (kept.first ?? "")).contains("after-backup@example.com"))

        let restarted = try await ServerProcess(directory: dir)
        #expect(try await restarted.request("POST", "/auth/login", json: #"{"email":"kept@example.com","password":"password123"}"#).status == 200)
        #expect(
            try await restarted.request("POST", "/auth/login", json: #"{"email":"after-backup@example.com","password":"password123"}"#).status == 401)
        #expect(await restarted.stop() == 0)
    }

    @Test func serveRefusesToStartWhileARestoreHoldsTheLock() async throws {
        let dir = TestDirectory()
        let lock = try DatabaseLock.exclusive(database: dir.databasePath)
        let refused = try await ServerProcess.run(["serve"], environment: Self.env(dir, ["PORT": String(ServerProcess.freePort())]))
        #expect(refused.status == 1)
        #expect(refused.output.contains("a restore is replacing \(dir.databasePath) (pid \(getpid()))"), "\(refused.output)")
        withExtendedLifetime(lock) {}
    }

    @Test func serveTakesScheduledBackupsKeepsBackupKeepAndExportsTheMetrics() async throws {
        let dir = TestDirectory()
        let backups = dir.path + "/backups"
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        let manual = backups + "/personaworlds-20250101T000000.000Z.sqlite"
        _ = FileManager.default.createFile(atPath: manual, contents: Data("an operator's copy".utf8))
        let started = Date().timeIntervalSince1970
        let server = try await ServerProcess(directory: dir, environment: ["BACKUP_EVERY": "1s", "BACKUP_KEEP": "2"])
        let before = try await server.request("GET", "/metrics").body
        #expect(before.contains("backup_failures_total 0"))
        #expect(
            before.split(separator: "\n").contains { $0 == "backup_interval_seconds 1" || $0 == "backup_interval_seconds 1.0" },
            "BACKUP_EVERY for the alert")
        // Wait until retention has had something to delete (a third scheduled backup), however long a loaded machine
        // takes, instead of a fixed time that fits a quiet one.
        var seen = Set<String>()
        let third = try await eventually(every: 0.1) {
            let names = try FileManager.default.contentsOfDirectory(atPath: backups)
            seen.formUnion(names.filter { $0.hasPrefix("personaworlds-scheduled-") && $0.hasSuffix(".sqlite") })
            return seen.count >= 3
        }
        #expect(third, "the server made only \(seen.count) scheduled backups")
        let metrics = try await server.request("GET", "/metrics").body
        #expect(await server.stop() == 0)
        let line = try #require(metrics.split(separator: "\n").first { $0.hasPrefix("backup_last_success_timestamp_seconds ") })
        let value = try #require(Double(line.split(separator: " ")[1]))
        #expect(value > started)
        #expect(metrics.contains("backup_failures_total 0"))
        let files = try FileManager.default.contentsOfDirectory(atPath: backups)
        #expect(files.filter { $0.hasPrefix("personaworlds-scheduled-") }.count == 2, "\(files)")
        #expect(FileManager.default.fileExists(atPath: manual), "retention must not delete a manual backup")
    }

    @Test func doctorIsHealthyOnAFreshDatabaseAndRedactsSecrets() async throws {
        let dir = TestDirectory()
        #expect(try await ServerProcess.run(["migrate"], environment: Self.env(dir)).status == 0)
        let doctor = try await ServerProcess.run(["doctor"], environment: Self.env(dir, ["OPENAI_API_KEY": "sk-e2e-do-not-print"]))
        #expect(doctor.status == 0, "\(doctor.output)")
        let lines = doctor.output.split(separator: "\n")
        #expect(lines.last == "doctor: healthy")
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("ok ") || $0.hasPrefix("warn ") }, "\(doctor.output)")
        #expect(doctor.output.contains("JWT_SECRET set (redacted)"))
        #expect(!doctor.output.contains(Self.secret) && !doctor.output.contains("sk-e2e-do-not-print"))
    }

    @Test func doctorFailsOnAMissingCardFontACorruptDatabaseAndABadSetting() async throws {
        let dir = TestDirectory()
        #expect(try await ServerProcess.run(["migrate"], environment: Self.env(dir)).status == 0)
        let font = try await ServerProcess.run(["doctor"], environment: Self.env(dir, ["CARD_FONT_PATH": "/nonexistent/font.ttf"]))
        #expect(font.status == 1)
        #expect(
            font.output.split(separator: "\n").contains { $0.hasPrefix("FAIL card font") && $0.contains("/nonexistent/font.ttf") }, "\(font.output)")
        #expect(font.output.hasSuffix("doctor: 1 FAIL, 0 warn\n"), "\(font.output)")

        // The whole file garbled (its WAL too: pages there would still be read over the main file's).
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.databasePath + suffix) }
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: dir.databasePath))
        let corrupt = try await ServerProcess.run(["doctor"], environment: Self.env(dir))
        #expect(corrupt.status == 1)
        #expect(corrupt.output.split(separator: "\n").contains { $0.hasPrefix("FAIL quick_check") && $0.contains("not a") }, "\(corrupt.output)")

        let bad = try await ServerProcess.run(["doctor"], environment: Self.env(dir, ["BACKUP_KEEP": "none"]))
        #expect(bad.status == 2)
        #expect(bad.output.hasPrefix("FAIL config") && bad.output.contains("BACKUP_KEEP"), "\(bad.output)")
    }
}
