import Domain
import Foundation
import GRDB
import SQLiteStorage
import Storage
import Worker

/// digest-look: what the daily digest scheduler's look costs on a pass that finds nothing due (most passes: every
/// persona's digest is fresh), on one SQLite file with 500 personas, their activity spread over the day so far (18 h),
/// at two sizes of the day. Side by side, passes alternating: the full look (all of today's activity, what every pass
/// read before, every `WORKER_POLL_EVERY` on every node) and the look of the passes between full looks (the last
/// `dailyRecentWindow`). The full look should grow with the day's activity and the recent one stay near flat.
func benchmarkDigestLook(passes: Int = 20) async throws {
    let settings = DigestScheduler.Settings(interval: 3, summaryMaxLength: 400)
    for events in [20_000, 200_000] {
        let (db, path) = try fresh("digest-look-\(events)")
        let now = clock.now().startOfDay.adding(seconds: 18 * 3600)
        let ids = try await db.seedSyntheticLoad(personas: 500, posts: 1, replyQuota: 1000, now: now.startOfDay)
        try await seedActivity(path: path, personas: ids.personas, post: ids.posts[0], events: events, now: now)
        try await writeFreshDigests(db, now: now)
        let staleBefore = now.adding(seconds: -settings.dailyRefreshAge)
        func look(since: Timestamp) async throws -> Double {
            let start = Monotonic.nanos()
            let due = try await db.claimDailyDigests(
                now: now, holder: "bench", lease: 600, limit: 50, staleBefore: staleBefore, activitySince: since)
            precondition(due.isEmpty, "every digest was written fresh: nothing is due")
            return Double(Monotonic.nanos() - start) / 1e6
        }
        var full: [Double] = []
        var recent: [Double] = []
        for _ in 0..<passes {
            full.append(try await look(since: now.startOfDay))
            recent.append(try await look(since: now.adding(seconds: -settings.dailyRecentWindow)))
        }
        try await db.close()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let (f, r) = (percentile(full, 0.5), percentile(recent, 0.5))
        print(
            String(
                format:
                    "bench: daily digest look, nothing due, %d activity events today (500 personas): all of today %.2f ms, the last %.0f min %.2f ms (median of %d passes each, alternating; %.0fx)",
                events, f, settings.dailyRecentWindow / 60, r, passes, f / max(r, 0.001)))
    }
}

/// `events` activity rows for the personas in turn, evenly spaced from the day's start to `now`, written on the file
/// directly (one transaction), as the worker writes them.
private func seedActivity(path: String, personas: [String], post: String, events: Int, now: Timestamp) async throws {
    let queue = try DatabaseQueue(path: path)
    let span = now.microseconds - now.startOfDay.microseconds
    let metadata = StoredJSON.object(["post_id": post])
    try await queue.write { db in
        let insert = try db.makeStatement(
            sql: "INSERT INTO persona_activity_events(persona_id, type, metadata, created_at) VALUES (?, 'reply_generated', ?, ?)")
        for n in 0..<events {
            let at = Timestamp(microseconds: now.startOfDay.microseconds + span * Int64(n) / Int64(events))
            try insert.execute(arguments: [personas[n % personas.count], metadata, at.storageString])
        }
    }
    try await queue.close()
}

/// A digest for every persona with activity, written at `now` (fresh: the refresh age has not passed).
private func writeFreshDigests(_ db: SQLiteStore, now: Timestamp) async throws {
    while true {
        let due = try await db.claimDailyDigests(
            now: now, holder: "seed", lease: 600, limit: 50, staleBefore: now, activitySince: now.startOfDay)
        if due.isEmpty { return }
        for item in due {
            _ = try await db.finishDailyDigest(
                personaID: item.persona.id, date: item.date, summary: "s", stats: "{}", holder: "seed", snapshotAt: now, now: now)
        }
    }
}
