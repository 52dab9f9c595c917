import Domain
import Foundation
import PostgresNIO
import Storage

/// The operator console's reads and actions.
extension PostgresStore {
    public func queueSummary(maxAttempts: Int, now: Timestamp) async throws -> QueueSummary {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try await db.rows(
                """
                SELECT CASE WHEN status = 'FAILED' AND attempts < \(maxAttempts) THEN 'RETRYING' ELSE status::text END AS state, COUNT(*)
                FROM jobs GROUP BY state
                """)
            {
                let (state, n) = try row.decode((String, Int).self)
                counts[state] = n
            }
            let oldest =
                try await db.value(
                    "SELECT MIN(created_at) FROM jobs WHERE status = 'PENDING' OR (status = 'FAILED' AND attempts < \(maxAttempts))",
                    as: Timestamp?.self) ?? nil
            return QueueSummary(
                pending: counts["PENDING"] ?? 0, processing: counts["PROCESSING"] ?? 0, retrying: counts["RETRYING"] ?? 0,
                failed: counts["FAILED"] ?? 0, done: counts["DONE"] ?? 0, oldestRunnableSince: oldest)
        }
    }

    /// Finished jobs per UTC minute of the window (`idx_jobs_finished_updated_at` reads the window's rows only).
    public func queueThroughput(since: Timestamp) async throws -> [QueueMinute] {
        try await quick { db in
            try await db.rows(
                """
                SELECT date_trunc('minute', updated_at) AS minute, COUNT(*) FILTER (WHERE status = 'DONE'), COUNT(*) FILTER (WHERE status = 'FAILED')
                FROM jobs WHERE status IN ('DONE', 'FAILED') AND updated_at >= \(since) GROUP BY minute ORDER BY minute
                """
            ).map { row in
                let (minute, done, failed) = try row.decode((Timestamp, Int, Int).self)
                return QueueMinute(minute: minute, done: done, failed: failed)
            }
        }
    }

    public func failedJobs(maxAttempts: Int, limit: Int) async throws -> [FailedJob] {
        try await quick { db in
            try await db.rows(
                """
                SELECT id, job_type, post_id::text, persona_id::text, attempts, COALESCE(error, ''), updated_at
                FROM jobs WHERE status = 'FAILED' AND attempts >= \(maxAttempts) ORDER BY updated_at DESC, id DESC LIMIT \(limit)
                """
            ).map { row in
                let (id, type, post, persona, attempts, error, failed) = try row.decode((Int64, String, String, String, Int, String, Timestamp).self)
                return FailedJob(id: id, type: type, postID: post, personaID: persona, attempts: attempts, error: error, failedAt: failed)
            }
        }
    }

    /// One conditional UPDATE: the job moves to PENDING only when it failed for good and no other job of its post and
    /// persona is active. The pair's FAILED jobs (this one included) are locked first, in id order as an enqueue locks
    /// them, so a claim moving one of them to PROCESSING either committed before the UPDATE's snapshot (and is seen)
    /// or waits for this transaction and then finds the pair active (`ClaimJobs`). A concurrent enqueue of the same
    /// pair that inserted its PENDING job meanwhile makes the unique active-job index refuse the update, which is
    /// reported as `activeJobExists` (the statement ends the transaction, which has nothing else to do).
    ///
    /// A requeued job is active again without an enqueue, so the persona's reply reservation no longer bounds its
    /// queued jobs: it is deleted, and the next enqueue counts them. The persona's row is locked first, as an enqueue
    /// locks it before reading the reservation, so an enqueue either sees the requeued job or sets a reservation that
    /// this deletes.
    public func retryFailedJob(id: Int64, maxAttempts: Int, now: Timestamp) async throws -> JobRetry {
        do {
            return try await write { db in
                let persona = try await db.value(
                    "SELECT pe.id FROM personas pe JOIN jobs j ON j.persona_id = pe.id WHERE j.id = \(id) FOR NO KEY UPDATE OF pe", as: UUID.self)
                try await db.execute(
                    """
                    SELECT o.id FROM jobs o JOIN jobs j ON o.post_id = j.post_id AND o.persona_id = j.persona_id AND o.job_type = j.job_type
                    WHERE j.id = \(id) AND o.status = 'FAILED' ORDER BY o.id FOR UPDATE OF o
                    """)
                let moved = try await db.execute(
                    """
                    UPDATE jobs SET status = 'PENDING', attempts = 0, error = NULL, locked_at = NULL, available_at = \(now), updated_at = \(now)
                    WHERE id = \(id) AND status = 'FAILED' AND attempts >= \(maxAttempts)
                      AND NOT EXISTS (SELECT 1 FROM jobs AS o WHERE o.post_id = jobs.post_id AND o.persona_id = jobs.persona_id
                                      AND o.job_type = jobs.job_type AND o.id <> jobs.id
                                      AND (o.status IN ('PENDING', 'PROCESSING') OR (o.status = 'FAILED' AND o.attempts < \(maxAttempts))))
                    """)
                if moved > 0 {
                    if let persona { try await db.execute("DELETE FROM reply_reservations WHERE persona_id = \(persona)") }
                    return .requeued
                }
                let failed =
                    try await db.value(
                        "SELECT EXISTS(SELECT 1 FROM jobs WHERE id = \(id) AND status = 'FAILED' AND attempts >= \(maxAttempts))", as: Bool.self)
                    ?? false
                return failed ? .activeJobExists : .notFailed
            }
        } catch let error as PSQLError where error.isUniqueViolation {
            return .activeJobExists
        }
    }

    public func eventsPerDay(since: Timestamp) async throws -> [DayCount] {
        try await quick { db in
            try await db.rows(
                """
                SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                       COUNT(DISTINCT event_name || '|' || \(unescaped: Self.actorDaySQL) || '|' || COALESCE(\(unescaped: Self.engagementKey), ''))
                FROM events WHERE created_at >= \(since) GROUP BY day ORDER BY day
                """
            ).map { row in
                let (day, n) = try row.decode((String, Int).self)
                return DayCount(day: day, count: n)
            }
        }
    }

    /// Upserts the node's row; nodes silent for a day are dropped on the way.
    public func heartbeat(_ node: NodeInfo, now: Timestamp) async throws {
        _ = try await write { db in
            try await db.execute(
                """
                INSERT INTO nodes(id, role, version, host, pid, started_at, heartbeat_at)
                VALUES (\(node.id), \(node.role), \(node.version), \(node.host), \(node.pid), \(node.startedAt), \(now))
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at
                """)
            try await db.execute("DELETE FROM nodes WHERE heartbeat_at < \(now.adding(seconds: -86_400))")
        }
    }

    public func liveNodes(since: Timestamp) async throws -> [NodeStatus] {
        try await quick { db in
            try await db.rows(
                "SELECT id, role, version, host, pid, started_at, heartbeat_at FROM nodes WHERE heartbeat_at >= \(since) ORDER BY heartbeat_at DESC, id COLLATE \"C\""
            ).map { row in
                let (id, role, version, host, pid, started, beat) = try row.decode((String, String, String, String, Int, Timestamp, Timestamp).self)
                return NodeStatus(
                    node: NodeInfo(id: id, role: role, version: version, host: host, pid: pid, startedAt: started), heartbeatAt: beat)
            }
        }
    }
}
