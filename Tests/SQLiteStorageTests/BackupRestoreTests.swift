import Domain
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

@testable import SQLiteStorage

/// Online backups under a write load, restore's checks of a candidate file, and the atomic swap.
@Suite struct BackupRestoreTests {
    /// A migrated database at `path`.
    static func database(_ path: String) async throws -> SQLiteStore {
        let db = try SQLiteStore.open(settings: DatabaseSettings(path: path))
        try await db.migrate()
        return db
    }

    static func emails(_ path: String) throws -> Set<String> {
        let queue = try DatabaseQueue(
            path: path,
            configuration: {
                var c = Configuration()
                c.readonly = true
                return c
            }())
        defer { try? queue.close() }
        return Set(try queue.read { try String.fetchAll($0, sql: "SELECT email FROM users") })
    }

    @Test func backupDuringAWriteLoadHoldsEveryAcknowledgedWriteAndRestoresIntact() async throws {
        let dir = TestDirectory()
        let db = try await Self.database(dir.databasePath)
        // Enough pages that a one-page-per-step copy spans many steps while the writer keeps committing.
        let filler = String(repeating: "x", count: 3000)
        for i in 0..<300 { _ = try await db.createUser(email: "seed-\(i)@example.com", passwordHash: filler, now: SystemClock().now()) }
        let acknowledged = LockedBox<[String]>([])
        let stop = LockedBox(false)
        let writer = Task {
            var n = 0
            while !stop.value {
                n += 1
                let email = "load-\(n)@example.com"
                _ = try await db.createUser(email: email, passwordHash: filler, now: SystemClock().now())
                acknowledged.mutate { $0.append(email) }
            }
        }
        try #require(try await eventually { acknowledged.value.count >= 50 }, "the writer never got going")
        let beforeBackup = acknowledged.value
        let steps = LockedBox(0)
        let result = try await db.backup(to: dir.path + "/copy.sqlite", pagesPerStep: 1) { _ in
            steps.mutate { $0 += 1 }
            // Mid-copy, the copy waits until the writer has committed 11 more: if the backup blocked writes it would
            // wait in vain (until the deadline, which only bounds that hang). A condition, not a number of turns the
            // writer happens to get on a loaded machine.
            if steps.value == 10 {
                let deadline = Monotonic.nanos(after: 60)
                while acknowledged.value.count <= beforeBackup.count + 10 && Monotonic.nanos() < deadline { usleep(1000) }
            }
            usleep(200) // a slow disk
        }
        let afterBackup = acknowledged.value.count
        stop.mutate { $0 = true }
        try await writer.value
        #expect(steps.value > 100, "the copy should have taken many steps, took \(steps.value)")
        #expect(afterBackup > beforeBackup.count + 10, "writes were blocked during the backup: \(beforeBackup.count) → \(afterBackup)")
        #expect(result.migrations == Migrations.all.map(\.version))

        // The copy is one self-contained file (rollback journal, no WAL beside it).
        let header = try #require(FileHandle(forReadingAtPath: result.path)).readData(ofLength: 20)
        #expect(header[18] == 1 && header[19] == 1, "the copy must not be in WAL mode")
        #expect(!FileManager.default.fileExists(atPath: result.path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: result.path + ".partial"))

        let restored = dir.path + "/restored/db.sqlite"
        try FileManager.default.createDirectory(atPath: dir.path + "/restored", withIntermediateDirectories: true)
        _ = try DatabaseRestore.restore(from: result.path, to: restored, stamp: "t1")
        #expect(try DatabaseFile(path: restored).check(thorough: true).isIntact)
        let present = try Self.emails(restored)
        let missing = beforeBackup.filter { !present.contains($0) }
        #expect(missing.isEmpty, "acknowledged before the backup started but missing: \(missing.prefix(5))")
        try await db.close()
    }

    @Test func aCancelledBackupLeavesNoFile() async throws {
        let dir = TestDirectory()
        let db = try await Self.database(dir.databasePath)
        for i in 0..<200 {
            _ = try await db.createUser(email: "u\(i)@example.com", passwordHash: String(repeating: "y", count: 3000), now: SystemClock().now())
        }
        let target = dir.path + "/cancelled.sqlite"
        // The copy holds at its fifth step until the test has cancelled it, so the cancel lands mid-copy on any
        // machine (a fixed sleep could land before the copy starts or after it ends). The deadline only bounds a hang.
        let steps = LockedBox(0)
        let cancelRequested = LockedBox(false)
        let task = Task {
            try await db.backup(to: target, pagesPerStep: 1) { _ in
                steps.mutate { $0 += 1 }
                let deadline = Monotonic.nanos(after: 60)
                while steps.value >= 5 && !cancelRequested.value && Monotonic.nanos() < deadline { usleep(1000) }
            }
        }
        try #require(try await eventually { steps.value >= 5 }, "the copy never started")
        task.cancel()
        cancelRequested.mutate { $0 = true }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(!FileManager.default.fileExists(atPath: target + ".partial"))
        try await db.close()
    }

    @Test func verifyRefusesATextFileAForeignDatabaseACorruptOneAndANewerSchema() async throws {
        let dir = TestDirectory()
        let text = dir.path + "/notes.txt"
        try "just some notes\n".write(toFile: text, atomically: true, encoding: .utf8)
        #expect { try DatabaseRestore.verify(text) } throws: { "\($0)".contains("not a readable SQLite database") }

        let foreign = dir.path + "/foreign.sqlite"
        let other = try DatabaseQueue(path: foreign)
        try await other.write { try $0.execute(sql: "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hi')") }
        try await other.close()
        #expect { try DatabaseRestore.verify(foreign) } throws: { "\($0)".contains("not a PersonaWorlds database") }

        let db = try await Self.database(dir.databasePath)
        let good = try await db.backup(to: dir.path + "/good.sqlite")
        try await db.close()
        #expect(try DatabaseRestore.verify(good.path).isIntact)

        let corrupt = dir.path + "/corrupt.sqlite"
        try FileManager.default.copyItem(atPath: good.path, toPath: corrupt)
        try Self.garble(corrupt)
        #expect { try DatabaseRestore.verify(corrupt) } throws: { error in
            let text = "\(error)"
            return text.contains("corrupt") || text.contains("malformed") || text.contains("not a readable")
        }

        let newer = dir.path + "/newer.sqlite"
        try FileManager.default.copyItem(atPath: good.path, toPath: newer)
        let queue = try DatabaseQueue(path: newer)
        try await queue.write { try $0.execute(sql: "INSERT INTO schema_migrations(version) VALUES ('9999_future.sql')") }
        try await queue.close()
        #expect { try DatabaseRestore.verify(newer) } throws: { "\($0)".contains("9999_future.sql") }
    }

    /// Overwrites the middle pages of a database file with garbage, keeping the header.
    static func garble(_ path: String) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        let pageSize: UInt64 = 4096
        for page in stride(from: pageSize, to: size, by: Int(pageSize) * 2) {
            try handle.seek(toOffset: page)
            handle.write(Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }))
        }
    }

    @Test func restoreSwapsTheFileAtomicallyAndKeepsTheReplacedOneBeside() async throws {
        let dir = TestDirectory()
        let db = try await Self.database(dir.databasePath)
        _ = try await db.createUser(email: "in-backup@example.com", passwordHash: "h", now: SystemClock().now())
        let backup = try await db.backup(to: dir.path + "/b.sqlite")
        _ = try await db.createUser(email: "after-backup@example.com", passwordHash: "h", now: SystemClock().now())
        try await db.close()
        var before = stat()
        stat(dir.databasePath, &before)

        let sawGap = LockedBox(false)
        let stop = LockedBox(false)
        let watcher = Thread {
            while !stop.value {
                if !FileManager.default.fileExists(atPath: dir.databasePath) { sawGap.mutate { $0 = true } }
            }
        }
        watcher.start()
        let result = try DatabaseRestore.restore(from: backup.path, to: dir.databasePath, stamp: "20250101T000000.000Z")
        stop.mutate { $0 = true }
        #expect(!sawGap.value, "the database path was missing during the restore")

        let kept = try #require(result.replacedPath)
        #expect(kept == dir.databasePath + ".replaced-20250101T000000.000Z")
        var after = stat()
        var keptStat = stat()
        stat(dir.databasePath, &after)
        stat(kept, &keptStat)
        #expect(after.st_ino != before.st_ino, "the database was overwritten in place instead of renamed over")
        #expect(keptStat.st_ino == before.st_ino, "the kept copy is the old file itself")
        #expect(try Self.emails(dir.databasePath) == ["in-backup@example.com"])
        #expect(try Self.emails(kept) == ["in-backup@example.com", "after-backup@example.com"])
        for suffix in ["-wal", "-shm", "-journal"] {
            #expect(!FileManager.default.fileExists(atPath: dir.databasePath + suffix), "stale \(suffix) left beside the restored file")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".restore-") }
        #expect(leftovers.isEmpty)

        let reopened = try await Self.database(dir.databasePath)
        #expect(try await reopened.user(email: "in-backup@example.com") != nil)
        #expect(try await reopened.user(email: "after-backup@example.com") == nil)
        try await reopened.close()
    }

    @Test func restoreRefusesTheLiveFileItself() async throws {
        let dir = TestDirectory()
        let db = try await Self.database(dir.databasePath)
        try await db.close()
        #expect { _ = try DatabaseRestore.restore(from: dir.databasePath, to: dir.databasePath, stamp: "x") } throws: {
            "\($0)".contains("is the live database itself")
        }
    }
}
