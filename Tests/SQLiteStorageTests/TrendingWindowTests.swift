import Domain
import Foundation
import GRDB
import Storage
import TestSupport
import Testing

@testable import SQLiteStorage

/// The trending pool read from the trending window answers exactly what counting the window's days gives
/// (`trendingSQL`, itself checked against the raw events by EngagementAggregateConformance), in the same order, while
/// events keep arriving (out of time order, before the window's start too) and the window moves forward and back.
@Suite struct TrendingWindowTests {
    /// The pool as counted from the per-day aggregates of the window's days.
    static func byDays(_ store: SQLiteStore, since: Timestamp, limit: Int) async throws -> [String] {
        try await store.read { db in
            var arguments = StatementArguments(SQLiteStore.windowArguments(since))
            arguments += ["limit": limit]
            return try Row.fetchAll(db, sql: SQLiteStore.trendingSQL, arguments: arguments).map {
                "\($0["id"] as String) \($0["shares"] as Int) \($0["remixes"] as Int)"
            }
        }
    }

    /// The window's stored counts and a recount of them from the per-day counts of its days.
    static func windowCounts(_ store: SQLiteStore) async throws -> (stored: [String], recount: [String]) {
        try await store.read { db in
            let start = try String.fetchOne(db, sql: SQLiteStore.windowStartSQL) ?? ""
            return (
                try String.fetchAll(db, sql: "SELECT battle_key || ' ' || shares || ' ' || remixes FROM battle_window_counts").sorted(),
                try String.fetchAll(
                    db,
                    sql: "SELECT battle_key || ' ' || shares || ' ' || remixes FROM (\(SQLiteStore.windowDaysCountsSQL(from: ":day", before: nil)))",
                    arguments: ["day": start]
                ).sorted()
            )
        }
    }

    @Test func theWindowAnswersAsTheWindowsDaysWhileEventsArriveAndTheWindowMoves() async throws {
        let dir = TestDirectory()
        let store = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await store.migrate()
        let now = Timestamp(seconds: 1_795_000_000)
        try await store.seedDefaults(now: now)
        // 8 users, 40 published battles, 800 events over the last 30 days; some battles then unpublished.
        _ = try await store.seedDemoScale(8, passwordHash: "x", now: now) { _, _, _ in }
        let battles = try await store.read { db in try String.fetchAll(db, sql: "SELECT id FROM posts ORDER BY id") }
        try await store.write { db in
            try db.execute(sql: "UPDATE posts SET status = 'DRAFT' WHERE id IN (?, ?, ?)", arguments: [battles[0], battles[1], battles[2]])
        }
        var rng = SeededGen(state: 41)
        let actors = (0..<6).map { "ip:\($0)" }
        // Window starts: the feed's rolling one a few hours apart, jumps forward over several days, and back.
        var since = now.adding(seconds: -20 * 86_400)
        var checked = 0
        for step in 0..<60 {
            var events: [EventRecord] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                let name = ["battle_shared", "remix_completed", "public_battle_viewed"].randomElement(using: &rng)!
                let battle = (battles + [Identifiers.newUUID()]).randomElement(using: &rng)!
                let metadata =
                    name == "remix_completed" && Bool.random(using: &rng)
                    ? #"{"battle_id":"\#(Identifiers.newUUID())","source_battle_id":"\#(battle)"}"# : #"{"battle_id":"\#(battle)"}"#
                // Around the current window's start (before it too), and anywhere up to a day ahead.
                let at =
                    Bool.random(using: &rng)
                    ? since.adding(seconds: Double.random(in: -2 * 86_400...2 * 86_400, using: &rng))
                    : now.adding(seconds: Double.random(in: -25 * 86_400...86_400, using: &rng))
                events.append(
                    EventRecord(userID: nil, actor: actors.randomElement(using: &rng)!, name: name, metadataJSON: metadata, createdAt: at))
            }
            try await store.recordEvents(events)
            switch step % 10 {
            case 9: since = since.adding(seconds: -Double.random(in: 86_400...5 * 86_400, using: &rng))
            case 4: since = since.adding(seconds: Double.random(in: 2 * 86_400...4 * 86_400, using: &rng))
            default: since = since.adding(seconds: Double.random(in: 0...(8 * 3_600), using: &rng))
            }
            if step % 7 == 3 { since = since.startOfDay }
            for limit in [3, 10, 100] {
                let pool = try await store.trendingPool(since: since, limit: limit).map {
                    "\($0.candidate.battleID) \($0.candidate.shares) \($0.candidate.remixes)"
                }
                let expected = try await Self.byDays(store, since: since, limit: limit)
                #expect(pool == expected, "step \(step), since \(since.storageString), limit \(limit)")
                checked += expected.count
            }
            let counts = try await Self.windowCounts(store)
            #expect(counts.stored == counts.recount, "step \(step)")
            let start = try await store.read { db in try String.fetchOne(db, sql: SQLiteStore.windowStartSQL) }
            #expect(start == String(since.storageString.prefix(10)), "a read moves the window to its day")
        }
        #expect(checked > 1_000)
    }

    @Test func theScaleSeedCountsTheWindowFromItsStart() async throws {
        let dir = TestDirectory()
        let store = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        try await store.migrate()
        let now = Timestamp(seconds: 1_795_000_000)
        try await store.seedDefaults(now: now)
        // The window already starts 14 days back when the seed writes a month of events.
        let since = now.adding(seconds: -14 * 86_400)
        #expect(try await store.trendingPool(since: since, limit: 100).isEmpty)
        _ = try await store.seedDemoScale(10, passwordHash: "x", now: now) { _, _, _ in }
        let counts = try await Self.windowCounts(store)
        #expect(counts.stored.count > 10)
        #expect(counts.stored == counts.recount)
        let pool = try await store.trendingPool(since: since, limit: 100).map {
            "\($0.candidate.battleID) \($0.candidate.shares) \($0.candidate.remixes)"
        }
        #expect(pool == (try await Self.byDays(store, since: since, limit: 100)))
    }
}
