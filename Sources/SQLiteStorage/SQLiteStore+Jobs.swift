import Domain
import GRDB
import Storage

/// The job queue over the `jobs` table.
extension SQLiteStore {
    static let jobColumns = "id, job_type, post_id, persona_id, payload, attempts, locked_at"

    /// The claim statement: up to `:limit` runnable jobs in one UPDATE … RETURNING, picked in the order
    /// (available_at, created_at, id). `INDEXED BY` pins `idx_jobs_active_pick`: without table statistics SQLite would
    /// pick `idx_jobs_status_available_at` and sort, and a pinned index also turns an accidental schema change into an
    /// error instead of a silent full scan. The same selection is `FOR UPDATE SKIP LOCKED` on PostgreSQL.
    ///
    /// A FAILED job waiting for a retry is outside `uq_jobs_active_generate_reply`, so it is taken only when no other
    /// job of its (post, persona) is active, and only the oldest such job: moving it to PROCESSING can then never
    /// violate the index, and no statement has to be retried after a constraint error. A FAILED job passed over this
    /// way runs once the other job has finished (and then finds its reply written).
    public static let claimSQL = """
        UPDATE jobs SET status = 'PROCESSING', locked_at = :now, updated_at = :now
        WHERE id IN (
          SELECT j.id FROM jobs AS j INDEXED BY idx_jobs_active_pick
          WHERE j.status IN ('PENDING','FAILED') AND j.available_at <= :now AND j.attempts < :max
            AND (j.status = 'PENDING' OR NOT EXISTS (
              SELECT 1 FROM jobs AS o WHERE o.post_id = j.post_id AND o.persona_id = j.persona_id AND o.job_type = j.job_type
                AND o.id <> j.id AND (o.status IN ('PENDING','PROCESSING') OR (o.status = 'FAILED' AND o.attempts < :max AND o.id < j.id))))
          ORDER BY j.available_at, j.created_at, j.id LIMIT :limit)
        RETURNING \(jobColumns)
        """

    /// Takes over up to `:limit` expired leases, oldest first (each counted as an attempt); uses
    /// `idx_jobs_status_available_at`.
    public static let leaseSQL = """
        UPDATE jobs SET locked_at = :now, updated_at = :now, attempts = attempts + 1
        WHERE id IN (SELECT id FROM jobs WHERE status = 'PROCESSING' AND locked_at < :cutoff ORDER BY locked_at, id LIMIT :limit)
        RETURNING \(jobColumns)
        """

    /// Active jobs per type (the queue-depth metric); an index search, never a scan of the finished jobs.
    public static let depthSQL = "SELECT job_type, COUNT(*) AS n FROM jobs WHERE \(ActiveJob.condition) GROUP BY job_type"

    /// The enqueue guard lookup; must use `idx_jobs_dedupe_lookup`.
    public static let activeJobSQL = """
        SELECT EXISTS(SELECT 1 FROM jobs WHERE post_id = ? AND persona_id = ? AND job_type = \(JobKind.generateReply.sql)
                      AND \(ActiveJob.condition))
        """

    /// A row of `jobColumns`, by position: GRDB's by-name lookup lower-cases every column name on each access, which
    /// the queue's profile showed on every claim.
    static func claimed(_ row: Row) -> ClaimedJob {
        ClaimedJob(
            id: row[0], type: row[1], postID: row[2], personaID: row[3], payload: row[4], attempts: row[5], lockedAt: row[6])
    }

    /// Claims up to `limit` jobs in one `BEGIN IMMEDIATE` transaction: expired leases first (each counted as an
    /// attempt), then the oldest runnable PENDING/FAILED jobs. Claims of loops that are idle at the same time share one
    /// transaction (group commit).
    public func claimJobs(limit: Int, policy: QueuePolicy, now: Timestamp) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let threads = self.threads
        return try await batchedWrite { db in try Self.claimBatch(db, limit: limit, policy: policy, now: now, threads: threads) }
    }

    /// The claim of one job inside a caller's write transaction (used to claim the next job while finishing one, so a
    /// busy loop needs one write transaction per job).
    static func claimNext(_ db: Database, policy: QueuePolicy, now: Timestamp, threads: ReplyThreadCache) throws -> ClaimedJob? {
        try claimBatch(db, limit: 1, policy: policy, now: now, threads: threads).first
    }

    /// The claim, inside a caller's batched write transaction; reply jobs come with their context read in it (their
    /// threads through `threads`).
    static func claimBatch(_ db: Database, limit: Int, policy: QueuePolicy, now: Timestamp, threads: ReplyThreadCache) throws -> [ClaimedJob] {
        var jobs = try claimRows(db, limit: limit, policy: policy, now: now)
        for index in jobs.indices where jobs[index].kind == .generateReply {
            jobs[index].prefetched =
                try fetchReplyContext(db, jobs[index], now: now, threads: threads).map(PrefetchedContext.ready) ?? .personaMissing
        }
        return jobs
    }

    private static func claimRows(_ db: Database, limit: Int, policy: QueuePolicy, now: Timestamp) throws -> [ClaimedJob] {
        let ts = now.storageString
        let cutoff = now.adding(seconds: -policy.leaseSeconds).storageString
        var claimed: [ClaimedJob] = []
        let expired = try Row.fetchAll(
            db.cachedStatement(sql: Self.leaseSQL), arguments: ["now": ts, "cutoff": cutoff, "limit": limit]
        ).map(Self.claimed)
        for job in expired {
            if job.attempts < policy.maxAttempts {
                claimed.append(job)
                continue
            }
            try db.cachedStatement(
                sql: """
                    UPDATE jobs SET status = 'FAILED', locked_at = NULL, error = 'lease expired after the last attempt', updated_at = ?
                    WHERE id = ? AND locked_at = ?
                    """
            ).execute(arguments: [ts, job.id, job.lockedAt])
        }
        let wanted = limit - claimed.count
        if wanted > 0 {
            claimed += try Row.fetchAll(
                db.cachedStatement(sql: Self.claimSQL), arguments: ["now": ts, "max": policy.maxAttempts, "limit": wanted]
            ).map(Self.claimed).sorted { $0.id < $1.id }
        }
        return claimed
    }

    /// Marks a claimed job DONE (fenced); with `claimNext`, claims the next job in the same transaction.
    public func completeJob(_ job: ClaimedJob, now: Timestamp, claimNext policy: QueuePolicy?) async throws -> (done: Bool, next: ClaimedJob?) {
        let threads = self.threads
        return try await batchedWrite { db in
            let done = try Self.markDone(db, job, now: now)
            return (done, try policy.flatMap { try Self.claimNext(db, policy: $0, now: now, threads: threads) })
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
        claimNext policy: QueuePolicy?
    ) async throws -> ClaimedJob? {
        let threads = self.threads
        return try await batchedWrite { db in
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
            return try policy.flatMap { try Self.claimNext(db, policy: $0, now: now, threads: threads) }
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
    public func shedSignals(maxAttempts: Int, since: Timestamp) async throws -> ShedSignals {
        try await read { db in
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT
                          (SELECT COUNT(*) FROM jobs WHERE job_type = \(JobKind.generateReply.sql)
                             AND \(ActiveJob.condition)) AS depth,
                          (SELECT COUNT(*) FROM jobs WHERE status = 'FAILED' AND attempts < ? AND updated_at >= ?) AS retries
                        """), arguments: [maxAttempts, maxAttempts, since.storageString])!
            return ShedSignals(queueDepth: row["depth"], recentRetries: row["retries"])
        }
    }

    /// Query plans of the claim and the dedupe lookup, for the index tests.
    public func explainQueuePlans() async throws -> [String: [String]] {
        try await read { db in
            let ts = "2026-01-01T00:00:00.000000Z"
            return [
                "claim": try Self.plan(db, Self.claimSQL, ["now": ts, "max": 5, "limit": 4]),
                "dedupe": try Self.plan(db, Self.activeJobSQL, ["p", "q", 5]),
                "lease": try Self.plan(db, Self.leaseSQL, ["now": ts, "cutoff": ts, "limit": 4]),
                "depth": try Self.plan(db, Self.depthSQL, [5]),
                "queued": try Self.plan(db, Self.queuedForPersonaSQL, ["q", 5]),
                "pending": try Self.plan(db, Self.pendingForPostSQL, ["p", 5]),
                "throughput": try Self.plan(db, Self.throughputSQL, [ts]),
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
