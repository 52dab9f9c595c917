import Domain
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

@testable import SQLiteStorage

/// `seed --demo-scale` writes its events with the aggregates' triggers and the events' indexes suspended, then counts
/// the events into the aggregates set-based: the tables must end exactly as the triggers would have left them.
@Suite struct BulkEventLoadTests {
    /// Every row of the engagement aggregates, as sortable text.
    static func aggregates(_ store: SQLiteStore) async throws -> [String] {
        try await store.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT 'key ' || day || ' ' || event_name || ' ' || battle_key || ' ' || actor || ' ' || last_at FROM event_actor_days
                    UNION ALL SELECT 'name ' || day || ' ' || event_name || ' ' || actors FROM event_name_days
                    UNION ALL SELECT 'battle ' || battle_key || ' ' || event_name || ' ' || day || ' ' || actors FROM battle_engagement_days
                    """
            ).sorted()
        }
    }

    /// The triggers and indexes of the schema, by name.
    static func schemaObjects(_ store: SQLiteStore) async throws -> [String] {
        try await store.read { db in
            try String.fetchAll(
                db, sql: "SELECT type || ' ' || name || ' ' || sql FROM sqlite_master WHERE type IN ('trigger', 'index') AND sql IS NOT NULL"
            )
            .sorted()
        }
    }

    static func insert(_ db: Database, _ events: [(user: String?, actor: String?, name: String, json: String, at: String)]) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO events(user_id, actor, event_name, metadata, created_at) VALUES (?, ?, ?, ?, ?)")
        for e in events { try statement.execute(arguments: [e.user, e.actor, e.name, e.json, e.at]) }
    }

    static func store() async throws -> (SQLiteStore, TestDirectory) {
        let dir = TestDirectory()
        let store = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await store.migrate()
        return (store, dir)
    }

    @Test func bulkLoadedEventsAreCountedExactlyAsTheTriggersCountThem() async throws {
        let now = Timestamp(seconds: 1_795_000_000)
        // Events without an actor (counted by user, else by the event itself), keys repeated across the history already
        // stored and across the load's chunks, times out of order.
        let before = EngagementAggregateMigrationTests.randomEvents(300, now: now, seed: 5)
        let load = EngagementAggregateMigrationTests.randomEvents(700, now: now, seed: 6).enumerated().map { i, e in
            (user: i % 3 == 0 ? "user-\(i % 7)" : nil, actor: i % 2 == 0 ? e.actor : nil, name: e.name, json: e.json, at: e.at)
        }
        let (triggered, dirA) = try await Self.store()
        let (bulk, dirB) = try await Self.store()
        defer { _ = (dirA, dirB) }
        let schema = try await Self.schemaObjects(bulk)
        for store in [triggered, bulk] {
            try await store.write { db in
                for i in 0..<7 {
                    try db.execute(
                        sql: "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)",
                        arguments: ["user-\(i)", "u\(i)@example.com", now.storageString, now.storageString])
                }
                try Self.insert(db, before)
            }
        }
        try await triggered.write { db in try Self.insert(db, load) }
        try await bulk.write { db in
            let lastID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM events") ?? 0
            let suspended = try SQLiteStore.suspendEventTriggersAndIndexes(db)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'") == 0)
            try Self.insert(db, load)
            try SQLiteStore.aggregateBulkEvents(db, after: lastID, chunk: 97)
            try SQLiteStore.restore(db, suspended)
        }
        let expected = try await Self.aggregates(triggered)
        #expect(expected.count > 700)
        #expect(try await Self.aggregates(bulk) == expected)
        #expect(try await Self.schemaObjects(bulk) == schema, "the triggers and indexes are back as they were")
    }

    @Test func theScaleSeedLeavesTheAggregatesEqualToTheWholeTableQueries() async throws {
        let (store, dir) = try await Self.store()
        defer { _ = dir }
        try await store.seedDefaults(now: Timestamp(seconds: 1_795_000_000))
        let schema = try await Self.schemaObjects(store)
        // Events already stored (and counted by the triggers) stay counted once.
        try await store.recordEvents(
            EngagementAggregateMigrationTests.randomEvents(200, now: Timestamp(seconds: 1_795_000_000), seed: 9).map {
                EventRecord(userID: nil, actor: $0.actor ?? "ip:z", name: $0.name, metadataJSON: $0.json, createdAt: Timestamp(storage: $0.at)!)
            })
        let made = try await store.seedDemoScale(20, passwordHash: "x", now: Timestamp(seconds: 1_795_000_000)) { _, _, _ in }
        #expect(made?.events == 2_000)
        let compared = try await EngagementAggregateMigrationTests.compare(store)
        #expect(compared.oracle.count > 100)
        #expect(compared.tables == compared.oracle)
        let keys = try await store.read { db in
            let recount = "SELECT \(SQLiteStore.eventActorDayKeySQL), MAX(created_at) FROM events GROUP BY 1, 2, 3, 4"
            let stored = "SELECT day, event_name, battle_key, actor, last_at FROM event_actor_days"
            return try [
                Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(recount) EXCEPT \(stored))"),
                Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(stored) EXCEPT \(recount))"),
            ]
        }
        #expect(keys == [0, 0], "every key once, with its latest time")
        #expect(try await Self.schemaObjects(store) == schema)
    }
}
