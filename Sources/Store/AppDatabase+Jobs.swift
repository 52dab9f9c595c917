import Domain
import GRDB

/// A job taken by a worker. `lockedAt` + `attempts` fence the claim: finishing writes only apply
/// while the row still carries them, so a worker whose lease expired cannot overwrite a newer claim.
public struct ClaimedJob: Sendable, Equatable {
    public let id: Int64
    public let type: String
    public let postID: String
    public let personaID: String
    public let payload: String
    public let attempts: Int
    public let lockedAt: String
    /// A reply job's context, read inside the claim transaction so the worker needs no separate read.
    public internal(set) var prefetched: PrefetchedContext?

    /// The job's kind; nil for a type this version does not know (it fails permanently).
    public var kind: JobKind? { JobKind(rawValue: type) }
    /// `trace_id` from the payload (the enqueuing request id), if any.
    public var traceID: String? { JSONText.field("trace_id", in: payload) }
    /// `template_id` from the payload (battle replies), if any.
    public var templateID: String? { JSONText.field("template_id", in: payload) }
}

/// The outcome of reading a reply job's context in the claim transaction.
public enum PrefetchedContext: Sendable, Equatable {
    case personaMissing
    case ready(AppDatabase.ReplyJobContext)
}

/// Queue rules shared by claim, retry and depth queries.
public struct QueuePolicy: Sendable {
    public var maxAttempts: Int
    /// A PROCESSING job older than this is claimed again (WORKER_TASK_TIMEOUT + JOB_LEASE_GRACE).
    public var leaseSeconds: Double

    public init(maxAttempts: Int, leaseSeconds: Double) {
        self.maxAttempts = maxAttempts
        self.leaseSeconds = leaseSeconds
    }
}

/// The job queue over the `jobs` table.
extension AppDatabase {
    static let jobColumns = "id, job_type, post_id, persona_id, payload, attempts, locked_at"

    /// The claim statement: one UPDATE … RETURNING ordered by available_at, created_at, id. `INDEXED BY` pins `idx_jobs_active_pick`: without table
    /// statistics SQLite would pick `idx_jobs_status_available_at` and sort, and a pinned index also
    /// turns an accidental schema change into an error instead of a silent full scan.
    public static let claimSQL = """
        UPDATE jobs SET status = 'PROCESSING', locked_at = :now, updated_at = :now
        WHERE id = (SELECT id FROM jobs INDEXED BY idx_jobs_active_pick
                    WHERE status IN ('PENDING','FAILED') AND available_at <= :now AND attempts < :max
                    ORDER BY available_at, created_at, id LIMIT 1)
        RETURNING \(jobColumns)
        """

    /// Takes over the oldest expired lease (counted as an attempt); uses `idx_jobs_status_available_at`.
    public static let leaseSQL = """
        UPDATE jobs SET locked_at = ?, updated_at = ?, attempts = attempts + 1
        WHERE id = (SELECT id FROM jobs WHERE status = 'PROCESSING' AND locked_at < ? ORDER BY locked_at, id LIMIT 1)
        RETURNING \(jobColumns)
        """

    /// Active jobs per type (the queue-depth metric); an index search, never a scan of the finished jobs.
    public static let depthSQL = "SELECT job_type, COUNT(*) AS n FROM jobs WHERE \(ActiveJob.condition) GROUP BY job_type"

    /// The enqueue guard lookup; must use `idx_jobs_dedupe_lookup`.
    public static let activeJobSQL = """
        SELECT EXISTS(SELECT 1 FROM jobs WHERE post_id = ? AND persona_id = ? AND job_type = \(JobKind.generateReply.sql)
                      AND \(ActiveJob.condition))
        """

    static func claimed(_ row: Row) -> ClaimedJob {
        ClaimedJob(
            id: row["id"], type: row["job_type"], postID: row["post_id"], personaID: row["persona_id"],
            payload: row["payload"], attempts: row["attempts"], lockedAt: row["locked_at"], prefetched: nil)
    }

    /// Claims the next runnable job in one `BEGIN IMMEDIATE` transaction: first an expired lease
    /// (counted as an attempt), otherwise the oldest available PENDING/FAILED job.
    /// Claims of loops that are idle at the same time share one transaction (group commit).
    public func claimJob(policy: QueuePolicy, now: Timestamp) async throws -> ClaimedJob? {
        try await batchedWrite { db in try Self.claimNext(db, policy: policy, now: now) }
    }

    /// The claim, inside a caller's write transaction (also used to claim the next job while finishing one,
    /// so a busy loop needs one write transaction per job).
    static func claimNext(_ db: Database, policy: QueuePolicy, now: Timestamp) throws -> ClaimedJob? {
        guard var job = try claimRow(db, policy: policy, now: now) else { return nil }
        if job.kind == .generateReply {
            job.prefetched = try fetchReplyContext(db, job, now: now).map(PrefetchedContext.ready) ?? .personaMissing
        }
        return job
    }

    private static func claimRow(_ db: Database, policy: QueuePolicy, now: Timestamp) throws -> ClaimedJob? {
        let ts = now.storageString
        let cutoff = now.adding(seconds: -policy.leaseSeconds).storageString
        while let row = try Row.fetchOne(db.cachedStatement(sql: Self.leaseSQL), arguments: [ts, ts, cutoff]) {
            let job = Self.claimed(row)
            if job.attempts < policy.maxAttempts { return job }
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'FAILED', locked_at = NULL, error = 'lease expired after the last attempt', updated_at = ? WHERE id = ?
                    """
            ).execute(arguments: [ts, job.id])
        }
        do {
            return try Row.fetchOne(db.cachedStatement(sql: Self.claimSQL), arguments: ["now": ts, "max": policy.maxAttempts])
                .map(Self.claimed)
        } catch let error as DatabaseError where error.isUniqueViolation {
            // Another active job already holds this (post, persona): retire the duplicate, claim nothing now.
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'DONE', error = 'superseded by an active job for the same post and persona', updated_at = ?
                    WHERE id = (SELECT id FROM jobs WHERE status IN ('PENDING','FAILED') AND available_at <= ? AND attempts < ?
                                ORDER BY available_at, created_at, id LIMIT 1)
                    """
            ).execute(arguments: [ts, ts, policy.maxAttempts])
            return nil
        }
    }

    /// Marks a claimed job DONE (fenced); with `claimNext`, claims the next job in the same transaction.
    public func completeJob(_ job: ClaimedJob, now: Timestamp, claimNext policy: QueuePolicy? = nil) async throws -> (done: Bool, next: ClaimedJob?) {
        try await batchedWrite { db in
            let done = try Self.markDone(db, job, now: now)
            return (done, try policy.flatMap { try Self.claimNext(db, policy: $0, now: now) })
        }
    }

    static func markDone(_ db: Database, _ job: ClaimedJob, now: Timestamp) throws -> Bool {
        try db.cachedStatement(
            sql: """
                UPDATE jobs SET status = 'DONE', error = NULL, locked_at = NULL, updated_at = ?
                WHERE id = ? AND status = 'PROCESSING' AND locked_at = ? AND attempts = ?
                """
        ).execute(arguments: [now.storageString, job.id, job.lockedAt, job.attempts])
        return db.changesCount > 0
    }

    /// Records a failure (fenced). `availableAt` nil leaves it unchanged (terminal failures).
    /// With `claimNext`, the next job is claimed in the same transaction.
    @discardableResult
    public func failJob(
        _ job: ClaimedJob, attempts: Int, error: String, availableAt: Timestamp?, now: Timestamp,
        claimNext policy: QueuePolicy? = nil
    ) async throws -> ClaimedJob? {
        try await batchedWrite { db in
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'FAILED', attempts = ?, error = ?, locked_at = NULL,
                      available_at = COALESCE(?, available_at), updated_at = ?
                    WHERE id = ? AND status = 'PROCESSING' AND locked_at = ? AND attempts = ?
                    """
            ).execute(arguments: [
                attempts, error.truncatedRunes(500), availableAt?.storageString, now.storageString,
                job.id, job.lockedAt, job.attempts,
            ])
            return try policy.flatMap { try Self.claimNext(db, policy: $0, now: now) }
        }
    }

    /// Puts an unfinished job back (graceful shutdown) without counting an attempt.
    public func releaseJob(_ job: ClaimedJob, now: Timestamp) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'PENDING', locked_at = NULL, available_at = ?, updated_at = ?
                    WHERE id = ? AND status = 'PROCESSING' AND locked_at = ? AND attempts = ?
                    """
            ).execute(arguments: [now.storageString, now.storageString, job.id, job.lockedAt, job.attempts])
        }
    }

    /// Active jobs per type: PENDING, PROCESSING, or FAILED with attempts left.
    public func queueDepth(maxAttempts: Int) async throws -> [String: Int] {
        try await read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db.cachedStatement(sql: Self.depthSQL), arguments: [maxAttempts]) {
                out[row["job_type"]] = row["n"]
            }
            return out
        }
    }

    /// The load signals adaptive shedding watches: active reply jobs, and jobs that failed since `since`
    /// and wait for a retry.
    public func shedSignals(maxAttempts: Int, since: Timestamp) async throws -> (queueDepth: Int, recentRetries: Int) {
        try await read { db in
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT
                          (SELECT COUNT(*) FROM jobs WHERE job_type = \(JobKind.generateReply.sql)
                             AND \(ActiveJob.condition)) AS depth,
                          (SELECT COUNT(*) FROM jobs WHERE status = 'FAILED' AND attempts < ? AND updated_at >= ?) AS retries
                        """), arguments: [maxAttempts, maxAttempts, since.storageString])!
            return (row["depth"], row["retries"])
        }
    }

    /// Query plans of the claim and the dedupe lookup, for the index tests.
    public func explainQueuePlans() async throws -> [String: [String]] {
        try await read { db in
            let ts = "2026-01-01T00:00:00.000000Z"
            return [
                "claim": try Self.plan(db, Self.claimSQL, ["now": ts, "max": 5]),
                "dedupe": try Self.plan(db, Self.activeJobSQL, ["p", "q", 5]),
                "lease": try Self.plan(db, Self.leaseSQL, [ts, ts, ts]),
                "depth": try Self.plan(db, Self.depthSQL, [5]),
                "queued": try Self.plan(db, Self.queuedForPersonaSQL, ["q", 5]),
                "pending": try Self.plan(db, Self.pendingForPostSQL, ["p", 5]),
            ]
        }
    }

    /// The indexes on `jobs`, by name (the plan tests check each is needed).
    public func jobIndexes() async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name")
        }
    }

    static func plan(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [String] {
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String }
    }
}
