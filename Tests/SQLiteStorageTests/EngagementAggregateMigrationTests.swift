import Domain
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

@testable import SQLiteStorage

/// Migration 0009 backfills the engagement aggregates from the events already stored (including rows written before
/// events had an actor), and the triggers then keep them equal to the whole-table queries they replaced, which are
/// kept here as the oracle.
@Suite struct EngagementAggregateMigrationTests {
    /// DECISIONS 28's actor and day, as the replaced queries computed them.
    static let actorDay = "COALESCE(actor, user_id, 'event:' || id) || '|' || substr(created_at, 1, 10)"
    static let key = "COALESCE(NULLIF(metadata->>'source_battle_id',''), NULLIF(metadata->>'battle_id',''))"

    /// The aggregates as the replaced whole-table queries compute them, and as the tables hold them.
    static func compare(_ store: SQLiteStore) async throws -> (oracle: [String], tables: [String]) {
        try await store.read { db in
            let oracle =
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT 'name ' || substr(created_at, 1, 10) || ' ' || event_name || ' ' ||
                               COUNT(DISTINCT \(actorDay) || '|' || COALESCE(\(key), '')) FROM events GROUP BY substr(created_at, 1, 10), event_name
                        """)
                + String.fetchAll(
                    db,
                    sql: """
                        SELECT 'battle ' || \(key) || ' ' || event_name || ' ' || substr(created_at, 1, 10) || ' ' || COUNT(DISTINCT \(actorDay))
                        FROM events WHERE \(key) IS NOT NULL GROUP BY \(key), event_name, substr(created_at, 1, 10)
                        """)
            let tables =
                try String.fetchAll(db, sql: "SELECT 'name ' || day || ' ' || event_name || ' ' || actors FROM event_name_days")
                + String.fetchAll(
                    db, sql: "SELECT 'battle ' || battle_key || ' ' || event_name || ' ' || day || ' ' || actors FROM battle_engagement_days")
            return (oracle.sorted(), tables.sorted())
        }
    }

    static func randomEvents(_ count: Int, now: Timestamp, seed: UInt64) -> [(user: String?, actor: String?, name: String, json: String, at: String)]
    {
        var rng = SeededGen(state: seed)
        let battles = ["b1", "b2", "b3"]
        let actors: [String?] = [nil, "ip:a", "ip:b", "ip:c"]
        return (0..<count).map { _ in
            let name = ["battle_shared", "remix_completed", "daily_return", "BATTLE_SHARED"].randomElement(using: &rng)!
            let battle = battles.randomElement(using: &rng)!
            let json =
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: #"{"battle_id":"\#(battle)"}"#
                case 1: #"{"battle_id":"x","source_battle_id":"\#(battle)"}"#
                case 2: #"{"battle_id":"\#(battle)","source_battle_id":""}"#
                default: "{}"
                }
            let at = now.startOfDay.adding(seconds: Double.random(in: -3 * 86_400...86_399, using: &rng))
            return (nil, actors.randomElement(using: &rng)!, name, json, at.storageString)
        }
    }

    @Test func theMigrationBackfillsTheAggregatesAndTheTriggersKeepThemEqualToTheWholeTableQueries() async throws {
        let dir = TestDirectory()
        let store = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await store.migrate()
        let now = Timestamp(seconds: 1_795_000_000)
        // The file as migration 0008 left it, with events (some without an actor, as before migration 0007).
        try await store.write { db in
            try db.execute(
                sql: """
                    DROP TRIGGER events_actor_day; DROP TRIGGER event_actor_days_count;
                    DROP TABLE event_actor_days; DROP TABLE battle_engagement_days; DROP TABLE event_name_days;
                    DELETE FROM schema_migrations WHERE version >= '0009';
                    """)
            for e in Self.randomEvents(600, now: now, seed: 1) {
                try db.execute(
                    sql: "INSERT INTO events(user_id, actor, event_name, metadata, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [e.user, e.actor, e.name, e.json, e.at])
            }
        }
        try await store.migrate()
        let backfilled = try await Self.compare(store)
        #expect(!backfilled.oracle.isEmpty)
        #expect(backfilled.tables == backfilled.oracle)

        // New events through the event writer, out of time order, over the same days and keys.
        try await store.recordEvents(
            Self.randomEvents(400, now: now, seed: 2).map {
                EventRecord(userID: nil, actor: $0.actor ?? "ip:d", name: $0.name, metadataJSON: $0.json, createdAt: Timestamp(storage: $0.at)!)
            })
        let maintained = try await Self.compare(store)
        #expect(maintained.tables == maintained.oracle)

        // The admin summary against its replaced query, for windows starting mid-day and at midnight.
        for since in [now.adding(seconds: -86_400), now.startOfDay, now.adding(seconds: -2 * 86_400 - 7)] {
            let expected = try await store.read { db in
                var out: [String: Int] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT event_name, COUNT(DISTINCT \(Self.actorDay) || '|' || COALESCE(\(Self.key), '')) AS n
                        FROM events WHERE created_at >= ? GROUP BY event_name
                        """, arguments: [since.storageString])
                {
                    out[(row["event_name"] as String).lowercased(), default: 0] += row["n"] as Int
                }
                return out
            }
            #expect(try await store.eventCounts(since24h: since, since7d: since).day == expected, "\(since.storageString)")
        }
    }
}

/// SplitMix64, so a failing history can be replayed from its seed.
struct SeededGen: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
