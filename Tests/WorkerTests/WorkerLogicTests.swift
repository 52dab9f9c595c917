import Domain
import Foundation
import Storage
import TestSupport
import Testing
import Worker

/// Retry, backoff, terminal and lease behaviour, driven by a manual clock.
@Suite struct WorkerLogicTests {
    @Test func successWritesOneReplyQuotaAndActivityThenIsIdempotent() async throws {
        let h = try await WorkerHarness()
        #expect(try await h.enqueue().enqueued == 1)
        #expect(try await h.pool.runOnce())
        #expect(try await h.jobs().map(\.status) == ["DONE"])
        #expect(try await h.replyCount() == 1)
        let counts = (
            try await h.sql.int("SELECT COUNT(*) FROM quota_events WHERE quota_type = 'reply'"),
            try await h.sql.int("SELECT COUNT(*) FROM persona_activity_events")
        )
        #expect(counts.0 == 1)
        #expect(counts.1 == 2)
        // A second enqueue is skipped: the persona already replied.
        #expect(try await h.enqueue() == EnqueueResult(enqueued: 0, skipped: 1))
        #expect(try await h.pool.runOnce() == false)
    }

    @Test func retryableFailureBacksOffUntilItsTimeThenSucceeds() async throws {
        let h = try await WorkerHarness(steps: [.fail(retryable: true)])
        try await h.enqueue()
        #expect(try await h.pool.runOnce())
        let failed = try #require(try await h.jobs().first)
        #expect(failed.status == "FAILED")
        #expect(failed.attempts == 1)
        #expect(failed.availableAt == h.clock.now().adding(seconds: 30).storageString)
        #expect(try await h.pool.runOnce() == false, "not claimable before its backoff")
        // Waiting to retry still counts as active: no duplicate job can be enqueued meanwhile.
        #expect(try await h.enqueue().skipped == 1)
        h.clock.advance(seconds: 30)
        #expect(try await h.pool.runOnce())
        #expect(try await h.jobs().map(\.status) == ["DONE"])
        #expect(h.llm.replyCalls == 2)
        #expect(try await h.replyCount() == 1)
    }

    @Test func retriesStopAtMaxAttemptsAndBackoffDoubles() async throws {
        let h = try await WorkerHarness(steps: [.fail(retryable: true), .fail(retryable: true), .fail(retryable: true), .reply("late")])
        try await h.enqueue()
        try await h.pool.runOnce()
        h.clock.advance(seconds: 30)
        try await h.pool.runOnce()
        let second = try #require(try await h.jobs().first)
        #expect(second.attempts == 2)
        #expect(second.availableAt == h.clock.now().adding(seconds: 60).storageString)
        h.clock.advance(seconds: 60)
        try await h.pool.runOnce()
        let last = try #require(try await h.jobs().first)
        #expect(last.status == "FAILED")
        #expect(last.attempts == WorkerHarness.maxAttempts)
        h.clock.advance(seconds: 10_000)
        #expect(try await h.pool.runOnce() == false, "terminal jobs are never claimed again")
        #expect(h.llm.replyCalls == 3)
        #expect(try await h.replyCount() == 0)
    }

    @Test func permanentErrorsAreTerminalAtOnce() async throws {
        let h = try await WorkerHarness(steps: [.reply("this is shit")])
        try await h.enqueue()
        try await h.pool.runOnce()
        let job = try #require(try await h.jobs().first)
        #expect(job.status == "FAILED")
        #expect(job.attempts == WorkerHarness.maxAttempts)
        #expect(job.error == "content failed profanity check")
        #expect(try await h.pool.runOnce() == false)
        #expect(h.llm.replyCalls == 1)
    }

    @Test func unpublishedOrDeletedTargetsFailPermanently() async throws {
        let h = try await WorkerHarness()
        try await h.enqueue()
        try await h.sql.execute("UPDATE posts SET status = 'DRAFT'")
        try await h.pool.runOnce()
        #expect(try await h.jobs().first?.error == "post is not published")
        #expect(h.llm.replyCalls == 0)
    }

    @Test func replyQuotaIsCheckedInTheWorker() async throws {
        let h = try await WorkerHarness(posts: 2, replyQuota: 1)
        try await h.enqueue(post: 0)
        #expect(try await h.enqueue(post: 1).skipped == 1, "the queued job already uses the only reply of the day")
        try await h.pool.runOnce()
        try await h.sql.execute(
            """
            INSERT INTO jobs(job_type, post_id, persona_id, payload, status, available_at, created_at, updated_at)
            SELECT 'generate_reply', ?, persona_id, '{}', 'PENDING', available_at, created_at, updated_at FROM jobs LIMIT 1
            """, [h.ids.posts[1]])
        try await h.pool.runOnce()
        #expect(try await h.jobs().last?.error == "daily reply quota reached")
        #expect(try await h.replyCount() == 1)
    }

    @Test func expiredLeaseIsReclaimedAsAnAttemptAndTheOldClaimIsFenced() async throws {
        let h = try await WorkerHarness()
        try await h.enqueue()
        let policy = QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease)
        let first = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        #expect(try await h.database.claimJob(policy: policy, now: h.clock.now()) == nil, "a live lease is not claimable")
        h.clock.advance(seconds: WorkerHarness.lease + 1)
        let second = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        #expect(second.id == first.id)
        #expect(second.attempts == first.attempts + 1)
        #expect(try await h.database.completeJob(first, now: h.clock.now()) == false, "the expired claim can no longer finish")
        #expect(try await h.database.completeJob(second, now: h.clock.now()))
    }

    @Test func claimPrefetchesTheReplyContext() async throws {
        let h = try await WorkerHarness()
        try await h.enqueue()
        let policy = QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease)
        let job = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        guard case .ready(let context)? = job.prefetched else {
            Issue.record("no prefetched context: \(String(describing: job.prefetched))")
            return
        }
        #expect(context.persona.name == "Persona 0")
        #expect(context.post?.id == h.ids.posts[0])
        #expect(context.alreadyReplied == false)
        #expect(try await h.database.replyJobContext(job, now: h.clock.now()) == context)
    }

    @Test func finishingAJobClaimsTheNextInTheSameTransaction() async throws {
        let h = try await WorkerHarness(posts: 2)
        try await h.enqueue(post: 0)
        try await h.enqueue(post: 1)
        let policy = QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease)
        let first = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        let result = try await h.database.completeJob(first, now: h.clock.now(), claimNext: policy)
        #expect(result.done)
        let next = try #require(result.next)
        #expect(next.id != first.id)
        #expect(try await h.jobs().map(\.status) == ["DONE", "PROCESSING"])
        #expect(try await h.database.claimJob(policy: policy, now: h.clock.now()) == nil)
    }

    @Test func leaseExpiryOnTheLastAttemptIsTerminal() async throws {
        let h = try await WorkerHarness()
        try await h.enqueue()
        let policy = QueuePolicy(maxAttempts: 1, leaseSeconds: 5)
        _ = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        h.clock.advance(seconds: 6)
        #expect(try await h.database.claimJob(policy: policy, now: h.clock.now()) == nil)
        #expect(try await h.jobs().first?.status == "FAILED")
    }

    @Test func gracefulShutdownReleasesAnUnfinishedJob() async throws {
        let h = try await WorkerHarness(steps: [.sleep(30)])
        try await h.enqueue()
        let stop = StopFlag()
        async let ran = h.pool.runOnce(stopping: stop)
        // Stop only once the job is inside its (30 s) LLM call: a fixed sleep could stop it before the claim.
        #expect(try await eventually { h.llm.replyCalls == 1 }, "the job never reached the LLM")
        stop.stop()
        #expect(try await ran)
        let job = try #require(try await h.jobs().first)
        #expect(job.status == "PENDING")
        #expect(job.attempts == 0)
    }
}

/// A cancelled pool (its service group failed) stops instead of spinning.
@Suite struct WorkerCancellationTests {
    @Test func cancellingThePoolEndsItsLoops() async throws {
        let h = try await WorkerHarness()
        let finished = LockedBox(false)
        let run = Task {
            try? await h.pool.run()
            finished.mutate { $0 = true }
        }
        try await Task.sleep(nanoseconds: 200_000_000) // usually lets the loops start; cancelling earlier must end them too
        run.cancel()
        // The deadline only bounds a hang: loops that ignore cancellation never finish.
        #expect(try await eventually { finished.value }, "the worker loops kept running after cancellation")
    }
}

/// Backoff arithmetic: `min(base·2^(n−1)·jitter, cap)`, never above the cap.
@Suite struct BackoffTests {
    @Test func jitterNeverExceedsTheCap() {
        for n in 1...12 {
            for jitter in [0.8, 1.0, 1.1999] {
                let d = Backoff.delay(failure: n, base: 30, cap: 600, jitter: jitter)
                #expect(d <= 600)
                #expect(d >= min(30 * 0.8, 600))
            }
        }
        #expect(Backoff.delay(failure: 1, base: 30, cap: 600, jitter: 1) == 30)
        #expect(Backoff.delay(failure: 3, base: 30, cap: 600, jitter: 1) == 120)
        #expect(Backoff.delay(failure: 6, base: 30, cap: 600, jitter: 1.1) == 600)
    }
}
