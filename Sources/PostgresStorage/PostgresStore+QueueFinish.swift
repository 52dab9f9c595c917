import Domain
import Foundation
import PostgresNIO
import Storage

/// A worker's finishing write (a job DONE, a reply written, a failure recorded) handed to the group commit as data, not
/// as a closure, so that the finishes of one batch run as a few set-based statements (`finishTogether`) instead of
/// each finish's own statements one after another.
struct QueueFinish: Sendable {
    enum Write: Sendable {
        /// The fenced DONE alone.
        case done
        /// The fenced DONE, the reply, one unit of the persona's reply quota (`quota` a day) and the activity rows.
        case reply(content: String, post: Post, quota: Int)
        /// A failure recorded (fenced); `availableAt` nil leaves the job's unchanged.
        case fail(attempts: Int, error: String, availableAt: Timestamp?)
    }

    let job: ClaimedJob
    let write: Write
    let now: Timestamp
    /// Claim the next job in the same transaction (under this policy).
    let claimNext: QueuePolicy?
    /// Whether that claim looks for expired leases (`chainedClaimReaps`).
    let reap: Bool
}

/// What a finishing write did: for `.done` whether the fenced DONE applied, for `.reply` what was written, and the
/// job claimed next when one was asked for.
struct QueueFinishOutcome: Sendable {
    var done = false
    var reply: ReplyWrite?
    var next: ClaimedJob?
}

/// The set-based pass could not decide every finish exactly (a persona's reply quota would overflow): the batch is
/// rolled back and its finishes run one by one (`finishAlone`).
struct QueueFinishNeedsIsolation: Error {}

extension PostgresStore {
    /// Worker loops per compute slot on this engine (`WorkerPool.Settings.writeAhead`): a commit is a round trip and a
    /// WAL flush away, and a group-committed batch holds the finishes queued while the previous one ran; with one loop
    /// per slot that was about half the loops, and the batch's fixed cost (its claim, context reads and commit) was
    /// paid every two jobs. The loops split into two halves that take turns, one half's batch committing while the
    /// other half computes (the two lanes wait for each other's size: `BatchWriter`), so a batch holds about half of
    /// them: at 16 per slot (64 loops for `WORKER_CONCURRENCY=4`) 214 batches of 23 jobs on average for 5,000 jobs in a
    /// `pg-e2e` run, where lanes that took each write as it came wrote 359 of 14; 32 per slot measured no better, a
    /// batch being capped at 64. A loop without a job holds nothing: jobs are claimed for free compute slots only
    /// (`ComputePermits`). SQLite commits in-process and keeps one loop per slot.
    public static let workerWriteAhead = 16

    /// Runs `finish` in the group commit; returns once its transaction committed.
    func batchedFinish(_ finish: QueueFinish) async throws -> QueueFinishOutcome {
        try await Self.foreignKeyIsReferenceGone { try await groupCommitter().finish(finish) }
    }

    /// A batch's finishes, in one statement for every DONE and reply, one per failure (rare), one claim for every
    /// chained claim, and last one statement for the replies' quota use (`AddReplyQuotaUse`), all in the caller's
    /// transaction. The outcome of each finish is the one `finishAlone` would give
    /// run in the same order, except where it throws `QueueFinishNeedsIsolation`: a reply whose persona's quota the
    /// batch would overflow (replies are quota-checked before their LLM call, so only a near-full quota raced by
    /// several jobs gets here). Any other error (a post deleted meanwhile fails its reply's foreign key) also ends
    /// the pass; the group commit then runs the finishes one by one, each in its own savepoint.
    static func finishTogether(_ db: Connection, _ finishes: [QueueFinish]) async throws -> [QueueFinishOutcome] {
        var outcomes = [QueueFinishOutcome](repeating: QueueFinishOutcome(), count: finishes.count)
        var quotaUse = ReplyQuotaUse()
        let marked = finishes.indices.filter { if case .fail = finishes[$0].write { return false } else { return true } }
        if !marked.isEmpty {
            let statement = try FinishJobs(marked.map { finishes[$0] })
            let rows = try await db.prepared(statement)
            guard rows.count == marked.count else { throw QueueFinishNeedsIsolation() }
            for (index, row) in zip(marked, rows) {
                guard case .reply = finishes[index].write else {
                    outcomes[index].done = row.done
                    continue
                }
                outcomes[index].reply = !row.done ? .lostClaim : row.inserted ? .written : .alreadyExisted
                if row.inserted { quotaUse.add(finishes[index]) }
            }
        }
        for index in finishes.indices {
            guard case .fail(let attempts, let error, let availableAt) = finishes[index].write else { continue }
            try await recordFailure(db, finishes[index].job, attempts: attempts, error: error, availableAt: availableAt, now: finishes[index].now)
        }
        try await claimChained(db, finishes, correcting: quotaUse, into: &outcomes)
        if !quotaUse.isEmpty {
            let statement = AddReplyQuotaUse(quotaUse)
            let applied = try await db.prepared(statement).first ?? 0
            guard applied == statement.personaIDs.count else { throw QueueFinishNeedsIsolation() }
        }
        return outcomes
    }

    /// The chained claims of a batch, one claim per policy for as many jobs as finishes asked for, handed out in order.
    /// They run before the batch's quota use is written (`AddReplyQuotaUse`), so each claimed job's count of its
    /// persona's replies today gets the batch's own added (`quotaUse`).
    private static func claimChained(
        _ db: Connection, _ finishes: [QueueFinish], correcting quotaUse: ReplyQuotaUse, into outcomes: inout [QueueFinishOutcome]
    ) async throws {
        var pending = finishes.indices.filter { finishes[$0].claimNext != nil }
        while let first = pending.first, let policy = finishes[first].claimNext {
            let same = pending.filter { finishes[$0].claimNext == policy }
            pending.removeAll { finishes[$0].claimNext == policy }
            let now = same.map { finishes[$0].now }.max() ?? finishes[first].now
            let claimed = try await claimBatch(
                db, limit: same.count, policy: policy, now: now, reap: same.contains { finishes[$0].reap })
            let day = DailyQuota.dayKey(now)
            for (index, job) in zip(same, claimed) { outcomes[index].next = quotaUse.correct(job, day: day) }
        }
    }

    /// One finish alone, as its own transaction would run it (the group commit's isolated pass, in a savepoint).
    /// Throws `QuotaRollback` when the reply's quota is full, which rolls back the savepoint, the DONE included.
    static func finishAlone(_ db: Connection, _ finish: QueueFinish) async throws -> QueueFinishOutcome {
        var outcome = QueueFinishOutcome()
        let job = finish.job
        switch finish.write {
        case .done:
            outcome.done = try await markDone(db, job, now: finish.now)
        case .reply(let content, let post, let quota):
            outcome.reply = try await writeReply(db, job, content: content, post: post, quota: quota, now: finish.now)
        case .fail(let attempts, let error, let availableAt):
            try await recordFailure(db, job, attempts: attempts, error: error, availableAt: availableAt, now: finish.now)
        }
        if let policy = finish.claimNext { outcome.next = try await claimNext(db, policy: policy, now: finish.now, reap: finish.reap) }
        return outcome
    }

    /// The activity rows' metadata of a reply (the same document on `reply_generated` and `thread_participated`).
    static func replyActivityMetadata(_ job: ClaimedJob, content: String, post: Post) -> String {
        CompactJSON.encode(
            .object([
                ("post_id", .string(job.postID)), ("post_preview", .string(post.content.truncatedRunes(200))),
                ("reply_preview", .string(content.truncatedRunes(200))), ("room_id", .string(post.roomID)),
            ]))
    }
}

extension Timestamp: PostgresArrayEncodable {
    public static var psqlArrayType: PostgresDataType { .timestamptzArray }
}
