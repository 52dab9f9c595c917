import Domain

/// The job queue. Jobs are enqueued in the transaction of their cause (`PostStore.enqueueReplies`,
/// `BattleStore.createBattle`); workers claim, run and finish them here.
///
/// Guarantees every engine keeps (the conformance suite checks each):
/// - A claim takes runnable jobs (PENDING, or FAILED with attempts left, whose `available_at` has come) oldest first
///   by (`available_at`, `created_at`, `id`), and never one another claimer holds: the same logic is an
///   `UPDATE … WHERE id IN (SELECT … LIMIT n)` under SQLite's single writer and `FOR UPDATE SKIP LOCKED` on
///   PostgreSQL. An expired lease (PROCESSING older than `policy.leaseSeconds`) is claimed again and counts as an
///   attempt; one past its last attempt becomes FAILED instead.
/// - Finishing writes are fenced by (`id`, `locked_at`, `attempts`): a worker whose lease was taken over writes
///   nothing (`lostClaim`).
/// - The active-job guard (`uq_jobs_active_generate_reply`) is never violated: a claim never moves a job into an
///   active state while another active job holds its (post, persona).
public protocol JobQueue: Sendable {
    /// Claims up to `limit` jobs in one transaction: expired leases first, then the oldest runnable jobs.
    func claimJobs(limit: Int, policy: QueuePolicy, now: Timestamp) async throws -> [ClaimedJob]
    /// Marks a claimed job DONE (fenced); with `claimNext`, claims the next job in the same transaction.
    func completeJob(_ job: ClaimedJob, now: Timestamp, claimNext: QueuePolicy?) async throws -> (done: Bool, next: ClaimedJob?)
    /// Records a failure (fenced). `availableAt` nil leaves it unchanged (terminal failures). With `claimNext`, the
    /// next job is claimed in the same transaction.
    func failJob(
        _ job: ClaimedJob, attempts: Int, error: String, availableAt: Timestamp?, now: Timestamp, claimNext: QueuePolicy?
    )
        async throws -> ClaimedJob?
    /// Puts an unfinished job back (graceful shutdown) without counting an attempt.
    func releaseJob(_ job: ClaimedJob, now: Timestamp) async throws
    /// The persona, post, thread and template of a reply job; nil when the persona is gone. Uses the context read
    /// by the claim when there is one.
    func replyJobContext(_ job: ClaimedJob, now: Timestamp) async throws -> ReplyJobContext?
    /// Writes the reply, consumes one unit of reply quota, writes the activity rows and marks the job DONE,
    /// atomically; with `claimNext`, claims the next job in the same transaction.
    func completeReplyJob(
        _ job: ClaimedJob, content: String, post: Post, quota: Int, now: Timestamp, claimNext: QueuePolicy?
    )
        async throws -> (ReplyWrite, next: ClaimedJob?)
    /// Active jobs per type: PENDING, PROCESSING, or FAILED with attempts left.
    func queueDepth(maxAttempts: Int) async throws -> [String: Int]
    /// Active reply jobs, and jobs that failed since `since` and wait for a retry.
    func shedSignals(maxAttempts: Int, since: Timestamp) async throws -> ShedSignals
}

extension JobQueue {
    /// Claims at most one job.
    public func claimJob(policy: QueuePolicy, now: Timestamp) async throws -> ClaimedJob? {
        try await claimJobs(limit: 1, policy: policy, now: now).first
    }
}

extension JobQueue {
    /// Marks a claimed job DONE without claiming another.
    public func completeJob(_ job: ClaimedJob, now: Timestamp) async throws -> Bool {
        try await completeJob(job, now: now, claimNext: nil).done
    }

    /// Records a failure without claiming another job.
    public func failJob(_ job: ClaimedJob, attempts: Int, error: String, availableAt: Timestamp?, now: Timestamp) async throws {
        _ = try await failJob(job, attempts: attempts, error: error, availableAt: availableAt, now: now, claimNext: nil)
    }

    /// Writes a reply job's result without claiming another job.
    public func completeReplyJob(_ job: ClaimedJob, content: String, post: Post, quota: Int, now: Timestamp) async throws -> ReplyWrite {
        try await completeReplyJob(job, content: content, post: post, quota: quota, now: now, claimNext: nil).0
    }
}
