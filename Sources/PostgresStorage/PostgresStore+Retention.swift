import Domain
import PostgresNIO
import Storage

/// Retention pruning on PostgreSQL, with SQLite's rules: each table's expired rows go in transactions of at most
/// `batchSize` rows (a long delete would hold back vacuum and other writers). The engagement answers do not read the
/// pruned rows: every window they use is shorter than the shortest event retention. Autovacuum gives the space back,
/// so `runMaintenance` has nothing to do here.
extension PostgresStore: StoreMaintenance {
    public func runMaintenance() async {}

    public func prune(_ policy: RetentionPolicy, now: Timestamp) async throws -> PruneCounts {
        func before(_ days: Int) -> Timestamp { now.adding(seconds: -Double(days) * 86_400) }
        let batch = policy.batchSize
        var counts = PruneCounts()
        let jobCutoff = before(policy.jobDays)
        let attempts = policy.maxAttempts
        counts.jobs = try await deleteInBatches(batch) { db in
            try await db.execute(
                """
                DELETE FROM jobs WHERE id IN (
                  SELECT id FROM jobs WHERE status IN ('DONE', 'FAILED') AND updated_at < \(jobCutoff)
                    AND (status = 'DONE' OR attempts >= \(attempts)) LIMIT \(batch))
                """)
        }
        let eventCutoff = before(policy.eventDays)
        counts.events = try await deleteInBatches(batch) { db in
            try await db.execute("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < \(eventCutoff) LIMIT \(batch))")
        }
        let cacheCutoff = before(policy.llmCacheDays)
        counts.llmCache = try await deleteInBatches(batch) { db in
            try await db.execute(
                "DELETE FROM llm_cache WHERE cache_key IN (SELECT cache_key FROM llm_cache WHERE created_at < \(cacheCutoff) LIMIT \(batch))")
        }
        let readCutoff = before(policy.readNotificationDays)
        counts.notifications = try await deleteInBatches(batch) { db in
            try await db.execute(
                """
                DELETE FROM notifications WHERE id IN (
                  SELECT id FROM notifications WHERE read_at IS NOT NULL AND created_at < \(readCutoff) LIMIT \(batch))
                """)
        }
        let sessionCutoff = before(RetentionPolicy.sessionGraceDays)
        counts.sessions = try await deleteInBatches(batch) { db in
            try await db.execute(
                """
                DELETE FROM sessions WHERE id IN (
                  SELECT id FROM sessions WHERE expires_at < \(now) OR revoked_at < \(sessionCutoff) LIMIT \(batch))
                """)
        }
        return counts
    }

    /// Runs `delete` (one batch, in its own transaction) until a batch deletes fewer rows than a full one.
    private func deleteInBatches(_ batchSize: Int, _ delete: @escaping @Sendable (Connection) async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let deleted = try await write(delete)
            total += deleted
            if deleted < batchSize { return total }
            try Task.checkCancellation()
        }
    }
}
