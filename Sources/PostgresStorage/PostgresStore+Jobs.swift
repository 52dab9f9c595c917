import Domain
import Foundation
import PostgresNIO
import Storage

/// The job queue over the `jobs` table.
extension PostgresStore {
    static let jobReturning = "jobs.id, jobs.job_type, jobs.post_id::text, jobs.persona_id::text, jobs.payload::text, jobs.attempts, jobs.locked_at"

    /// `ActiveJob.condition` with its one argument, the maximum number of attempts, written in (an integer).
    static func activeJob(_ maxAttempts: Int) -> String { activeJob(argument: String(maxAttempts)) }

    /// `ActiveJob.condition` with its argument spelt `argument`: an integer, or a prepared statement's parameter (`$5`).
    static func activeJob(argument: String) -> String { ActiveJob.condition.replacingOccurrences(of: "?", with: argument) }

    /// A claimed row. `lockedAt` is the claim's stamp in integer microseconds: compared for equality only, it fences
    /// the finishing writes exactly.
    static func claimed(_ row: PostgresRow) throws -> ClaimedJob {
        let (id, type, post, persona, payload, attempts, lockedAt) = try row.decode((Int64, String, String, String, String, Int, Timestamp).self)
        return ClaimedJob(
            id: id, type: type, postID: post, personaID: persona, payload: StoredDocument.canonical(payload), attempts: attempts,
            lockedAt: String(lockedAt.microseconds))
    }

    /// The claim's stamp back as a timestamp; nil for a stamp this engine did not write (which then fences nothing).
    static func stamp(_ job: ClaimedJob) -> Timestamp? { Int64(job.lockedAt).map { Timestamp(microseconds: $0) } }

    /// Claims up to `limit` jobs in one transaction: expired leases first (each counted as an attempt), then the oldest
    /// runnable PENDING/FAILED jobs. Claims of loops that are idle at the same time share one transaction (group
    /// commit).
    /// An idle loop's claim looks first, in one statement outside any transaction, whether any job is claimable
    /// (`AnyClaimableJob`): on an idle node the poll is then one statement instead of a transaction of six (BEGIN,
    /// savepoint, the expired-lease update, the pick, release, COMMIT). A job that arrives just after the look is
    /// found by the wake-up its enqueue sends, or by the next poll.
    public func claimJobs(limit: Int, policy: QueuePolicy, now: Timestamp) async throws -> [ClaimedJob] {
        guard limit > 0 else { return [] }
        let probe = AnyClaimableJob(now: now, maxAttempts: policy.maxAttempts, leaseCutoff: now.adding(seconds: -policy.leaseSeconds))
        guard try await quick({ try await $0.prepared(probe) }).first == true else { return [] }
        return try await batchedWrite { db in try await Self.claimBatch(db, limit: limit, policy: policy, now: now) }
    }

    /// The claim chained to a finishing write. It looks for expired leases at most once a second of `now` per store
    /// (`chainedClaimReaps`): a busy loop chains a claim to every job, and that look was one of the job's round trips
    /// while leases expire only when a worker died. An idle loop's claim (`claimJobs`) always looks.
    static func claimNext(_ db: Connection, policy: QueuePolicy, now: Timestamp, reap: Bool) async throws -> ClaimedJob? {
        try await claimBatch(db, limit: 1, policy: policy, now: now, reap: reap).first
    }

    /// Whether the claim a finishing write chains (`policy` non-nil) looks for expired leases at `now`: when no chained
    /// claim has for a second (or the clock went back). False when nothing is chained.
    func chainedClaimReaps(_ policy: QueuePolicy?, now: Timestamp) -> Bool {
        guard policy != nil else { return false }
        return lastChainedReap.withLock { last in
            if let last, now >= last, now < last.adding(seconds: 1) { return false }
            last = now
            return true
        }
    }

    /// The claim, inside a caller's write transaction; reply jobs come with their context read in it.
    static func claimBatch(_ db: Connection, limit: Int, policy: QueuePolicy, now: Timestamp, reap: Bool = true) async throws -> [ClaimedJob] {
        var jobs = try await claimRows(db, limit: limit, policy: policy, now: now, reap: reap)
        // Picked jobs come with their context (`ClaimJobsWithContext`); a reclaimed expired lease is read here.
        let contexts = try await fetchReplyContexts(db, jobs.filter { $0.kind == .generateReply && $0.prefetched == nil }, now: now)
        for index in jobs.indices where jobs[index].prefetched == nil { jobs[index].prefetched = contexts[jobs[index].id] }
        try await attachTemplates(db, &jobs)
        return jobs
    }

    private static func claimRows(_ db: Connection, limit: Int, policy: QueuePolicy, now: Timestamp, reap: Bool) async throws -> [ClaimedJob] {
        let cutoff = now.adding(seconds: -policy.leaseSeconds)
        var claimed: [ClaimedJob] = []
        let expired =
            !reap
            ? []
            : try await db.rows(
                """
                WITH expired AS (
                  SELECT id FROM jobs WHERE status = 'PROCESSING' AND locked_at < \(cutoff) ORDER BY locked_at, id LIMIT \(limit)
                  FOR UPDATE SKIP LOCKED)
                UPDATE jobs SET locked_at = \(now), updated_at = \(now), attempts = jobs.attempts + 1
                FROM expired WHERE jobs.id = expired.id
                RETURNING \(unescaped: jobReturning)
                """
            ).map(Self.claimed).sorted { (a: ClaimedJob, b: ClaimedJob) in a.id < b.id }
        for job in expired {
            if job.attempts < policy.maxAttempts {
                claimed.append(job)
                continue
            }
            try await db.execute(
                """
                UPDATE jobs SET status = 'FAILED', locked_at = NULL, error = 'lease expired after the last attempt', updated_at = \(now)
                WHERE id = \(job.id) AND locked_at = \(now)
                """)
        }
        let wanted = limit - claimed.count
        if wanted > 0 {
            let picked = try await PickJobs.run(db, PickJobs(now: now, maxAttempts: policy.maxAttempts, limit: wanted))
            if !picked.isEmpty {
                claimed += try await db.prepared(ClaimJobsWithContext(now: now, maxAttempts: policy.maxAttempts, ids: picked))
            }
        }
        return claimed
    }

    /// Marks a claimed job DONE (fenced); with `claimNext`, claims the next job in the same transaction.
    public func completeJob(_ job: ClaimedJob, now: Timestamp, claimNext policy: QueuePolicy?) async throws -> (done: Bool, next: ClaimedJob?) {
        let outcome = try await batchedFinish(
            QueueFinish(job: job, write: .done, now: now, claimNext: policy, reap: chainedClaimReaps(policy, now: now)))
        return (outcome.done, outcome.next)
    }

    static func markDone(_ db: Connection, _ job: ClaimedJob, now: Timestamp) async throws -> Bool {
        guard let stamp = stamp(job) else { return false }
        return try await !db.prepared(MarkJobDone(now: now, id: job.id, lockedAt: stamp, attempts: job.attempts)).isEmpty
    }

    /// Records a failure (fenced). `availableAt` nil leaves it unchanged (terminal failures). With `claimNext`, the
    /// next job is claimed in the same transaction.
    @discardableResult
    public func failJob(
        _ job: ClaimedJob, attempts: Int, error: String, availableAt: Timestamp?, now: Timestamp, claimNext policy: QueuePolicy?
    ) async throws -> ClaimedJob? {
        let finish = QueueFinish(
            job: job, write: .fail(attempts: attempts, error: error, availableAt: availableAt), now: now, claimNext: policy,
            reap: chainedClaimReaps(policy, now: now))
        return try await batchedFinish(finish).next
    }

    /// The fenced failure: only while the row still carries the claim's stamp and attempt count.
    static func recordFailure(
        _ db: Connection, _ job: ClaimedJob, attempts: Int, error: String, availableAt: Timestamp?, now: Timestamp
    ) async throws {
        guard let stamp = stamp(job) else { return }
        try await db.execute(
            """
            UPDATE jobs SET status = 'FAILED', attempts = \(attempts), error = \(error.truncatedRunes(500)), locked_at = NULL,
              available_at = COALESCE(\(availableAt), available_at), updated_at = \(now)
            WHERE id = \(job.id) AND status = 'PROCESSING' AND locked_at = \(stamp) AND attempts = \(job.attempts)
            """)
    }

    /// Puts an unfinished job back (graceful shutdown) without counting an attempt.
    public func releaseJob(_ job: ClaimedJob, now: Timestamp) async throws {
        guard let stamp = Self.stamp(job) else { return }
        _ = try await quick { db in
            try await db.execute(
                """
                UPDATE jobs SET status = 'PENDING', locked_at = NULL, available_at = \(now), updated_at = \(now)
                WHERE id = \(job.id) AND status = 'PROCESSING' AND locked_at = \(stamp) AND attempts = \(job.attempts)
                """)
        }
    }

    /// Active jobs per type: PENDING, PROCESSING, or FAILED with attempts left.
    public func queueDepth(maxAttempts: Int) async throws -> [String: Int] {
        try await quick { db in
            var out: [String: Int] = [:]
            for row in try await db.rows("SELECT job_type, COUNT(*) FROM jobs WHERE \(unescaped: Self.activeJob(maxAttempts)) GROUP BY job_type") {
                let (type, n) = try row.decode((String, Int).self)
                out[type] = n
            }
            return out
        }
    }

    /// The load signals adaptive shedding watches: active reply jobs, and jobs that failed since `since` and wait for a
    /// retry.
    public func shedSignals(maxAttempts: Int, since: Timestamp) async throws -> ShedSignals {
        try await quick { db in
            let row = try await db.rows(
                """
                SELECT
                  (SELECT COUNT(*) FROM jobs WHERE job_type = \(unescaped: JobKind.generateReply.sql) AND \(unescaped: Self.activeJob(maxAttempts))),
                  (SELECT COUNT(*) FROM jobs WHERE status = 'FAILED' AND attempts < \(maxAttempts) AND updated_at >= \(since))
                """)[0]
            let (depth, retries) = try row.decode((Int, Int).self)
            return ShedSignals(queueDepth: depth, recentRetries: retries)
        }
    }

    /// How many reply jobs for `postID` are still active: the replies a thread page is waiting for.
    public func pendingReplyJobs(postID: String, maxAttempts: Int) async throws -> Int {
        guard let id = StoreID.parse(postID) else { return 0 }
        return try await quick { db in
            try await db.value(
                """
                SELECT COUNT(*) FROM jobs WHERE post_id = \(id) AND job_type = \(unescaped: JobKind.generateReply.sql)
                  AND \(unescaped: Self.activeJob(maxAttempts))
                """, as: Int.self) ?? 0
        }
    }
}

/// Whether a claim could find a job: a runnable PENDING or FAILED one, or a PROCESSING one whose lease has expired
/// (`claimRows`' two selections, without their locks and order). It may say yes where the claim then finds nothing
/// (a FAILED job whose sibling is active); never no where the claim would find one committed before it.
struct AnyClaimableJob: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = """
        SELECT EXISTS (SELECT 1 FROM jobs WHERE status IN ('PENDING', 'FAILED') AND available_at <= $1 AND attempts < $2)
          OR EXISTS (SELECT 1 FROM jobs WHERE status = 'PROCESSING' AND locked_at < $3)
        """
    typealias Row = Bool
    let now: Timestamp
    let maxAttempts: Int
    let leaseCutoff: Timestamp

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(now)
        bindings.append(maxAttempts)
        bindings.append(leaseCutoff)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Bool { try row.decode(Bool.self) }
}

/// The claim's first statement: up to `$3` runnable jobs, picked in the order (available_at, created_at, id) and
/// locked with `FOR UPDATE SKIP LOCKED`, so concurrent claimers on any number of nodes never take the same job and
/// never wait for each other. The selection is SQLite's `claimSQL`: a FAILED job waiting for a retry is outside
/// `uq_jobs_active_generate_reply`, so it is taken only when no other job of its (post, persona) is active, and only
/// the oldest such job.
struct PickJobs: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = """
        SELECT j.id FROM jobs j
        WHERE j.status IN ('PENDING', 'FAILED') AND j.available_at <= $1 AND j.attempts < $2
          AND (j.status = 'PENDING' OR \(ClaimJobs.noOtherActive("j")))
        ORDER BY j.available_at, j.created_at, j.id
        LIMIT $3
        FOR UPDATE OF j SKIP LOCKED
        """
    typealias Row = Int64
    let now: Timestamp
    let maxAttempts: Int
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(now)
        bindings.append(maxAttempts)
        bindings.append(limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }

    /// Runs the pick planned without an explicit sort (`SortPlanning`), the transaction's setting put back after it.
    ///
    /// Why: the index gives the jobs in (available_at, created_at) order, so an incremental sort orders each group of
    /// equal stamps by id and the pick stops after `limit` of them. The plan that sorts instead reads and sorts every
    /// runnable job first. PostgreSQL chooses it when the statistics say the queue is nearly empty, which they say
    /// while a backlog grows faster than autovacuum analyses `jobs` (up to a minute at its default nap time, longer
    /// on a big table, whose analyses wait for a tenth of its rows to change): every claim then read the whole
    /// backlog (in `pg-e2e` up to 3,000 rows and 3 ms a pick to claim 16). The group commit keeps the generic plan
    /// made at that moment until the next analysis. Without an explicit sort, the index order with an incremental
    /// sort is the plan whatever the estimate (`PostgresGenericPlanTests`).
    static func run(_ db: Connection, _ pick: PickJobs) async throws -> [Int64] {
        let previous = try await db.prepared(SortPlanning(enabled: "off")).first ?? "on"
        let picked = try await db.prepared(pick)
        _ = try await db.prepared(SortPlanning(enabled: previous))
        return picked
    }
}

/// Sets `enable_sort` for the rest of the transaction (`set_config(…, true)`, as `SET LOCAL`); returns the value it
/// had. A prepared statement rather than `SET LOCAL`, which cannot be prepared, so that it is parsed once per
/// connection.
struct SortPlanning: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = "SELECT current_setting('enable_sort'), set_config('enable_sort', $1, true)"
    typealias Row = String
    let enabled: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(enabled)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> String { try row.decode((String, String).self).0 }
}

/// The claim's second statement: moves the picked jobs to PROCESSING, checking a FAILED job's pair again. At READ
/// COMMITTED the pick's subquery saw the snapshot taken before its locks; an enqueue that committed a PENDING job of
/// the pair meanwhile would make the move violate the unique index. This statement's snapshot is taken after the
/// locks, and an enqueue locks the pair's FAILED jobs before inserting (`enqueueReplyJobs`), so either the enqueue
/// committed and is seen here (the FAILED job stays as it is) or it waits for this transaction and then finds the pair
/// active. No statement fails on the index, and none is retried.
enum ClaimJobs {
    /// No other job of `alias`'s (post, persona) is active, and no older FAILED one waits for a retry (`$2`: the
    /// maximum number of attempts).
    static func noOtherActive(_ alias: String) -> String {
        """
        NOT EXISTS (
          SELECT 1 FROM jobs o WHERE o.post_id = \(alias).post_id AND o.persona_id = \(alias).persona_id AND o.job_type = \(alias).job_type
            AND o.id <> \(alias).id AND (o.status IN ('PENDING', 'PROCESSING') OR (o.status = 'FAILED' AND o.attempts < $2 AND o.id < \(alias).id)))
        """
    }

    /// `$1` the claim's stamp, `$2` the maximum number of attempts, `$3` the picked ids; run as the first part of
    /// `ClaimJobsWithContext`, which returns each job's context beside it.
    static let sql = """
        UPDATE jobs SET status = 'PROCESSING', locked_at = $1, updated_at = $1
        WHERE jobs.id = ANY($3) AND (jobs.status = 'PENDING' OR \(noOtherActive("jobs")))
        RETURNING \(PostgresStore.jobReturning)
        """
}

/// The fenced DONE: only while the row still carries this claim's stamp and attempt count.
struct MarkJobDone: PostgresPreparedStatement {
    static let name = String(reflecting: Self.self)
    static let sql = """
        UPDATE jobs SET status = 'DONE', error = NULL, locked_at = NULL, updated_at = $1
        WHERE id = $2 AND status = 'PROCESSING' AND locked_at = $3 AND attempts = $4
        RETURNING id
        """
    typealias Row = Int64
    let now: Timestamp
    let id: Int64
    let lockedAt: Timestamp
    let attempts: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(now)
        bindings.append(id)
        bindings.append(lockedAt)
        bindings.append(attempts)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
