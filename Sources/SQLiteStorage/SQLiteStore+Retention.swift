import Domain
import GRDB
import Storage

/// Retention pruning: each table's expired rows go in transactions of at most `batchSize` rows, so the writer is
/// free between batches and no request waits behind a long delete; then the file gives the freed pages back
/// (`auto_vacuum = INCREMENTAL`), a bounded number of pages per transaction as well.
extension SQLiteStore {
    /// Pages handed back to the file system per transaction after a prune.
    static let vacuumPagesPerStep = 2_000

    public func prune(_ policy: RetentionPolicy, now: Timestamp) async throws -> PruneCounts {
        func before(_ days: Int) -> String { now.adding(seconds: -Double(days) * 86_400).storageString }
        var counts = PruneCounts()
        counts.jobs = try await deleteInBatches(
            """
            DELETE FROM jobs WHERE id IN (
              SELECT id FROM jobs INDEXED BY idx_jobs_finished_updated_at
              WHERE status IN ('DONE','FAILED') AND updated_at < ? AND (status = 'DONE' OR attempts >= ?) LIMIT ?)
            """, [before(policy.jobDays), policy.maxAttempts], batchSize: policy.batchSize)
        let eventCutoff = before(policy.eventDays)
        counts.events = try await deleteInBatches(
            "DELETE FROM events WHERE id IN (SELECT id FROM events INDEXED BY idx_events_created_at WHERE created_at < ? LIMIT ?)",
            [eventCutoff], batchSize: policy.batchSize)
        // The per-actor keys of the pruned days: only a window starting on a day reads that day's keys, and every
        // window is shorter than the shortest event retention. The per-day counts stay (a few rows a day).
        _ = try await deleteInBatches(
            """
            DELETE FROM event_actor_days WHERE (day, event_name, battle_key, actor) IN (
              SELECT day, event_name, battle_key, actor FROM event_actor_days WHERE day < ? LIMIT ?)
            """, [String(eventCutoff.prefix(10))], batchSize: policy.batchSize)
        counts.llmCache = try await deleteInBatches(
            "DELETE FROM llm_cache WHERE rowid IN (SELECT rowid FROM llm_cache INDEXED BY idx_llm_cache_created_at WHERE created_at < ? LIMIT ?)",
            [before(policy.llmCacheDays)], batchSize: policy.batchSize)
        counts.notifications = try await deleteInBatches(
            """
            DELETE FROM notifications WHERE id IN (
              SELECT id FROM notifications INDEXED BY idx_notifications_read_created_at
              WHERE read_at IS NOT NULL AND created_at < ? LIMIT ?)
            """, [before(policy.readNotificationDays)], batchSize: policy.batchSize)
        counts.sessions = try await deleteInBatches(
            """
            DELETE FROM sessions WHERE id IN (
              SELECT id FROM sessions WHERE expires_at < ? OR revoked_at < ? LIMIT ?)
            """, [now.storageString, before(RetentionPolicy.sessionGraceDays)], batchSize: policy.batchSize)
        try await incrementalVacuum()
        return counts
    }

    /// Runs `sql` (whose last placeholder is the batch size) until a batch deletes fewer rows than a full one.
    private func deleteInBatches(_ sql: String, _ arguments: [any DatabaseValueConvertible & Sendable], batchSize: Int) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await write { db in
                try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments + [batchSize]))
                return db.changesCount
            }
            total += deleted
            if deleted < batchSize { return total }
            try Task.checkCancellation()
        }
    }

    /// Returns free pages to the file system, `vacuumPagesPerStep` per transaction (a no-op unless the file is in
    /// `auto_vacuum = INCREMENTAL`, which `migrate` sets).
    public func incrementalVacuum() async throws {
        while true {
            let left = try await write { db -> Int in
                guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return 0 }
                try db.execute(sql: "PRAGMA incremental_vacuum(\(Self.vacuumPagesPerStep))")
                return try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            }
            if left == 0 { return }
            try Task.checkCancellation()
        }
    }
}
