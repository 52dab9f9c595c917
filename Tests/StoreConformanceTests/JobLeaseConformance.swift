import Domain
import Storage
import TestSupport
import Testing

/// `JobQueue` leases and fencing: an expired lease is claimed again as an attempt, the claim it replaced writes
/// nothing, and a lease that runs out on the last attempt fails the job.
@Suite struct JobLeaseConformance {
    @Test(arguments: StoreBackend.available)
    func anExpiredLeaseIsClaimedAgainAsAnAttemptAndTheStaleClaimIsFencedOnEveryWrite(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        try await f.enqueue(scene.post, [scene.persona])
        let stale = try #require(try await f.claim().first)
        f.advance(StoreFixture.policy.leaseSeconds - 1)
        #expect(try await f.claim().isEmpty, "a live lease is not claimable")
        f.advance(2)
        let live = try #require(try await f.claim().first)
        #expect(live.id == stale.id && live.attempts == stale.attempts + 1 && live.lockedAt != stale.lockedAt)

        #expect(try await f.store.completeJob(stale, now: f.now) == false)
        try await f.store.failJob(stale, attempts: 3, error: "stale", availableAt: nil, now: f.now)
        try await f.store.releaseJob(stale, now: f.now)
        #expect(try await f.claim().isEmpty, "neither the stale failure nor the stale release freed the live claim")
        #expect(try await f.depth() == 1, "nor did the stale failure end the job")
        #expect(try await f.store.completeReplyJob(stale, content: "stale", post: scene.post, quota: 25, now: f.now) == .lostClaim)
        #expect(try await f.store.thread(postID: scene.post.id)?.replies.isEmpty == true)
        #expect(try await f.store.quotaUsage(personaID: scene.persona.id, kind: .reply, now: f.now) == 0, "the stale writer charged nothing")

        #expect(try await f.store.completeReplyJob(live, content: "live", post: scene.post, quota: 25, now: f.now) == .written)
        #expect(try await f.store.thread(postID: scene.post.id)?.replies.map(\.content) == ["live"])
    }

    @Test(arguments: StoreBackend.available)
    func aLeaseThatRunsOutOnTheLastAttemptFailsTheJob(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        try await f.enqueue(scene.post, [scene.persona])
        let policy = QueuePolicy(maxAttempts: 2, leaseSeconds: 30)
        let first = try #require(try await f.claim(policy: policy).first)
        f.advance(31)
        let second = try #require(try await f.claim(policy: policy).first)
        #expect(second.id == first.id && second.attempts == 1)
        f.advance(31)
        #expect(try await f.claim(policy: policy).isEmpty, "the second lease ran out on the last attempt")
        #expect(try await f.depth(maxAttempts: 2) == 0, "the job is FAILED, no longer active")
        #expect(try await f.store.completeJob(second, now: f.now) == false)
        f.advance(86_400)
        #expect(try await f.claim(policy: policy).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aBatchClaimTakesExpiredLeasesBeforeWaitingJobs(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (user, personas, post) = try await JobFinishConformance.jobs(f, 1)
        let expired = try #require(try await f.claim().first)
        f.advance(31)
        for n in 0..<2 {
            try await f.enqueue(post, [try await f.persona(of: user, name: "Late \(n)")], as: user, at: f.now.adding(seconds: -20))
        }
        let batch = try await f.claim(2)
        #expect(batch.count == 2)
        #expect(batch.contains { $0.id == expired.id && $0.attempts == 1 && $0.personaID == personas[0].id })
        #expect(try await f.claim(5).count == 1, "the other waiting job")
    }
}

/// The active-job guard (`uq_jobs_active_generate_reply`): one active reply job per (post, persona), whatever the
/// enqueue and the claims do. A FAILED job with attempts left is outside the unique index, so the claim must skip it
/// while another job of its pair is active, and take only the oldest of several such jobs.
@Suite struct ActiveJobGuardConformance {
    /// A reply job that failed once and waits for a retry, and a second job for the same pair enqueued by a caller
    /// counting attempts against a lower maximum (as after a `JOB_MAX_ATTEMPTS` change), to which the first no
    /// longer looks active.
    static func failedAndPending(_ f: StoreFixture) async throws -> (scene: (user: User, persona: Persona, post: Post), failed: ClaimedJob) {
        let scene = try await f.replyScene()
        try await f.enqueue(scene.post, [scene.persona])
        let failed = try #require(try await f.claim().first)
        try await f.store.failJob(failed, attempts: 1, error: "retry", availableAt: f.now, now: f.now)
        #expect(try await f.enqueue(scene.post, [scene.persona], maxAttempts: 3).enqueued == 0, "the retry-waiting job is active")
        #expect(try await f.enqueue(scene.post, [scene.persona], maxAttempts: 1).enqueued == 1)
        return (scene, failed)
    }

    @Test(arguments: StoreBackend.available)
    func theClaimSkipsARetryWaitingJobWhileAnotherJobOfItsPairIsActive(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (scene, failed) = try await Self.failedAndPending(f)
        let claimed = try await f.claim(10)
        #expect(claimed.count == 1 && claimed[0].id != failed.id, "only the pending job; moving both would break the guard")
        #expect(try await f.claim(10).isEmpty, "the FAILED job waits while the other runs")
        #expect(try await f.store.completeReplyJob(claimed[0], content: "r", post: scene.post, quota: 25, now: f.now) == .written)
        let retried = try #require(try await f.claim(10).first, "once the other finished, the retry runs")
        #expect(retried.id == failed.id && retried.attempts == 1)
        #expect(try await f.store.completeReplyJob(retried, content: "again", post: scene.post, quota: 25, now: f.now) == .alreadyExisted)
        #expect(try await f.store.thread(postID: scene.post.id)?.replies.map(\.content) == ["r"])
        #expect(try await f.store.quotaUsage(personaID: scene.persona.id, kind: .reply, now: f.now) == 1, "an existing reply charges nothing")
        #expect(try await f.depth() == 0)
    }

    @Test(arguments: StoreBackend.available)
    func ofTwoRetryWaitingJobsOfOnePairOnlyTheOlderIsClaimed(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (_, failed) = try await Self.failedAndPending(f)
        let low = QueuePolicy(maxAttempts: 1, leaseSeconds: 30)
        let second = try #require(try await f.claim(10, policy: low).first)
        try await f.store.failJob(second, attempts: 1, error: "retry", availableAt: f.now, now: f.now)
        let claimed = try await f.claim(10)
        #expect(claimed.map(\.id) == [failed.id])
        #expect(try await f.claim(10).isEmpty)
    }

    /// Race: concurrent claimers and enqueuers over pairs with a retry-waiting job never produce two live claims of
    /// one pair, and no claim fails on the unique index.
    @Test(arguments: StoreBackend.available)
    func concurrentClaimsAndEnqueuesNeverHoldTwoJobsOfOnePair(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let load = try await f.store.seedSyntheticLoad(personas: 1, posts: 12, replyQuota: 1000, now: f.now)
        for post in load.posts {
            _ = try await f.store.enqueueReplies(
                postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 3, now: f.now)
        }
        for job in try await f.claim(20) {
            try await f.store.failJob(job, attempts: 1, error: "retry", availableAt: f.now, now: f.now)
        }
        let claims = LockedBox<[ClaimedJob]>([])
        let outcomes = await concurrently(load.posts.count + 8) { n in
            if n < load.posts.count {
                _ = try await f.store.enqueueReplies(
                    postID: load.posts[n], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 1, now: f.now)
                return
            }
            while true {
                let batch = try await f.claim(3)
                claims.mutate { $0 += batch }
                if batch.isEmpty { return }
            }
        }
        #expect(outcomes.compactMap(\.error).isEmpty, "\(outcomes.compactMap(\.error))")
        let perPair = Dictionary(grouping: claims.value, by: { $0.postID + "/" + $0.personaID })
        #expect(perPair.values.allSatisfy { $0.count == 1 }, "a pair had two live claims")
        #expect(perPair.count == load.posts.count, "every pair's work was claimed once")
    }
}
