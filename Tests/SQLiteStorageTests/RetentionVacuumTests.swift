import Domain
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

@testable import SQLiteStorage

/// The file gives pruned space back: `migrate` puts new and existing files in `auto_vacuum = INCREMENTAL` (once), and
/// a prune ends with every free page returned.
@Suite struct RetentionVacuumTests {
    static func pragma(_ store: SQLiteStore, _ name: String) async throws -> Int {
        try await store.read { db in try Int.fetchOne(db, sql: "PRAGMA \(name)") ?? -1 }
    }

    @Test func migrateSwitchesNewAndExistingFilesToIncrementalAutoVacuum() async throws {
        let dir = TestDirectory()
        let fresh = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await fresh.migrate()
        #expect(try await Self.pragma(fresh, "auto_vacuum") == 2)

        // A file made before this migration: rows already in it, auto_vacuum off.
        let path = dir.path + "/old.sqlite"
        let old = try DatabaseQueue(path: path)
        try await old.write { db in
            try db.execute(sql: "CREATE TABLE keep(x); INSERT INTO keep VALUES (1), (2)")
        }
        #expect(try await old.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") } == 0)
        try old.close()
        let store = try SQLiteStore.open(settings: DatabaseSettings(path: path))
        try await store.migrate()
        #expect(try await Self.pragma(store, "auto_vacuum") == 2)
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "SELECT SUM(x) FROM keep") } == 3, "the rows survive the VACUUM")
    }

    @Test func aPruneReturnsTheFreedPagesToTheFileSystem() async throws {
        let dir = TestDirectory()
        let store = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await store.migrate()
        let now = Timestamp(seconds: 1_795_000_000)
        let padding = String(repeating: "x", count: 400)
        for batch in 0..<10 {
            try await store.recordEvents(
                (0..<500).map { n in
                    EventRecord(
                        userID: nil, actor: "ip:\(batch)-\(n)", name: "daily_return", metadata: ["pad": padding],
                        createdAt: now.adding(seconds: -100 * 86_400 - Double(n)))
                })
        }
        let pagesBefore = try await Self.pragma(store, "page_count")
        let pruned = try await store.prune(RetentionPolicy(maxAttempts: 3, batchSize: 1_000), now: now)
        #expect(pruned.events == 5_000)
        #expect(try await Self.pragma(store, "freelist_count") == 0)
        let pagesAfter = try await Self.pragma(store, "page_count")
        #expect(pagesAfter * 4 < pagesBefore, "\(pagesBefore) → \(pagesAfter) pages")
    }
}
