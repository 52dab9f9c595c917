import Domain
import GRDB
import Storage

/// The operator console's reads and actions.
extension SQLiteStore {
    public func queueSummary(maxAttempts: Int, now: Timestamp) async throws -> QueueSummary {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT CASE WHEN status = 'FAILED' AND attempts < ? THEN 'RETRYING' ELSE status END AS state, COUNT(*) AS n
                        FROM jobs GROUP BY state
                        """), arguments: [maxAttempts])
            {
                counts[row["state"]] = row["n"]
            }
            let oldest = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT MIN(created_at) FROM jobs WHERE status = 'PENDING' OR (status = 'FAILED' AND attempts < ?)
                        """), arguments: [maxAttempts])
            return QueueSummary(
                pending: counts["PENDING"] ?? 0, processing: counts["PROCESSING"] ?? 0, retrying: counts["RETRYING"] ?? 0,
                failed: counts["FAILED"] ?? 0, done: counts["DONE"] ?? 0, oldestRunnableSince: oldest.flatMap(Timestamp.init(storage:)))
        }
    }

    /// Finished jobs per minute of the window; `idx_jobs_finished_updated_at` reads the window's rows only.
    static let throughputSQL = """
        SELECT substr(updated_at, 1, 16) AS minute, SUM(status = 'DONE') AS done, SUM(status = 'FAILED') AS failed
        FROM jobs INDEXED BY idx_jobs_finished_updated_at
        WHERE status IN ('DONE','FAILED') AND updated_at >= ? GROUP BY minute ORDER BY minute
        """

    public func queueThroughput(since: Timestamp) async throws -> [QueueMinute] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: Self.throughputSQL), arguments: [since.storageString]
            ).compactMap { row in
                Timestamp(storage: (row["minute"] as String) + ":00.000000Z").map {
                    QueueMinute(minute: $0, done: row["done"], failed: row["failed"])
                }
            }
        }
    }

    public func failedJobs(maxAttempts: Int, limit: Int) async throws -> [FailedJob] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, job_type, post_id, persona_id, attempts, COALESCE(error, '') AS error, updated_at
                        FROM jobs WHERE status = 'FAILED' AND attempts >= ? ORDER BY updated_at DESC, id DESC LIMIT ?
                        """), arguments: [maxAttempts, limit]
            ).map { row in
                FailedJob(
                    id: row["id"], type: row["job_type"], postID: row["post_id"], personaID: row["persona_id"],
                    attempts: row["attempts"], error: row["error"], failedAt: Self.timestamp(row["updated_at"]))
            }
        }
    }

    /// One conditional UPDATE: the job moves to PENDING only when it failed for good and no other job of its post and
    /// persona is active, so the one-active-job rule holds whatever runs concurrently.
    public func retryFailedJob(id: Int64, maxAttempts: Int, now: Timestamp) async throws -> JobRetry {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'PENDING', attempts = 0, error = NULL, locked_at = NULL, available_at = :now, updated_at = :now
                    WHERE id = :id AND status = 'FAILED' AND attempts >= :max
                      AND NOT EXISTS (SELECT 1 FROM jobs AS o WHERE o.post_id = jobs.post_id AND o.persona_id = jobs.persona_id
                                      AND o.job_type = jobs.job_type AND o.id <> jobs.id
                                      AND (o.status IN ('PENDING','PROCESSING') OR (o.status = 'FAILED' AND o.attempts < :max)))
                    """
            ).execute(arguments: ["now": now.storageString, "id": id, "max": maxAttempts])
            if db.changesCount > 0 { return .requeued }
            let failed =
                try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM jobs WHERE id = ? AND status = 'FAILED' AND attempts >= ?)"),
                    arguments: [id, maxAttempts]) ?? false
            return failed ? .activeJobExists : .notFailed
        }
    }

    public func eventsPerDay(since: Timestamp) async throws -> [DayCount] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: Self.eventsPerDaySQL), arguments: StatementArguments(Self.windowArguments(since))
            ).map { DayCount(day: $0["day"], count: $0["n"]) }
        }
    }

    /// Upserts the node's row; nodes silent for a day are dropped on the way.
    public func heartbeat(_ node: NodeInfo, now: Timestamp) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO nodes(id, role, version, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
                    """
            ).execute(arguments: [
                node.id, node.role, node.version, node.host, node.pid, node.startedAt.storageString, now.storageString,
            ])
            try db.cachedStatement(sql: "DELETE FROM nodes WHERE heartbeat_at < ?").execute(arguments: [now.adding(seconds: -86_400).storageString])
        }
    }

    public func liveNodes(since: Timestamp) async throws -> [NodeStatus] {
        try await read { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT id, role, version, host, pid, started_at, heartbeat_at FROM nodes WHERE heartbeat_at >= ?
                        ORDER BY heartbeat_at DESC, id
                        """), arguments: [since.storageString]
            ).map { row in
                NodeStatus(
                    node: NodeInfo(
                        id: row["id"], role: row["role"], version: row["version"], host: row["host"], pid: row["pid"],
                        startedAt: Self.timestamp(row["started_at"])),
                    heartbeatAt: Self.timestamp(row["heartbeat_at"]))
            }
        }
    }
}
