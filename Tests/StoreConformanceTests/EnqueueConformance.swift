import Domain
import Storage
import TestSupport
import Testing

/// `PostStore.enqueueReplies` and `pendingReplyJobs`: which personas get a reply job, the reply quota counting the
/// jobs already queued, and what a thread page waits for.
@Suite struct EnqueueConformance {
    @Test(arguments: StoreBackend.available)
    func enqueueSkipsAStrangersPersonaADuplicateAnActiveJobAndAPersonaThatReplied(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        let stranger = try await f.persona(of: try await f.user("stranger"), name: "Stranger")
        #expect(try await f.enqueue(scene.post, [scene.persona, scene.persona, stranger], as: scene.user) == EnqueueResult(enqueued: 1, skipped: 2))
        #expect(try await f.eventsToday()["battle_created"] == 1, "an enqueue that queued something records battle_created")
        #expect(try await f.store.pendingReplyJobs(postID: scene.post.id, maxAttempts: 3) == 1)
        #expect(try await f.enqueue(scene.post, [scene.persona], as: scene.user) == EnqueueResult(enqueued: 0, skipped: 1), "an active job")

        let job = try #require(try await f.claim().first)
        #expect(job.postID == scene.post.id && job.personaID == scene.persona.id && job.kind == .generateReply)
        #expect(try await f.enqueue(scene.post, [scene.persona], as: scene.user) == EnqueueResult(enqueued: 0, skipped: 1), "a running job")
        #expect(try await f.store.completeReplyJob(job, content: "Done.", post: scene.post, quota: 25, now: f.now) == .written)
        #expect(try await f.enqueue(scene.post, [scene.persona], as: scene.user) == EnqueueResult(enqueued: 0, skipped: 1), "already replied")
        #expect(try await f.store.pendingReplyJobs(postID: scene.post.id, maxAttempts: 3) == 0)
        #expect(try await f.eventsToday()["battle_created"] == 1, "an enqueue that queued nothing records nothing")
    }

    @Test(arguments: StoreBackend.available)
    func aRetryWaitingJobIsActiveSoNoSecondJobIsQueuedBesideIt(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        try await f.enqueue(scene.post, [scene.persona])
        let job = try #require(try await f.claim().first)
        try await f.store.failJob(job, attempts: 1, error: "provider down", availableAt: f.now.adding(seconds: 30), now: f.now)
        #expect(try await f.enqueue(scene.post, [scene.persona]) == EnqueueResult(enqueued: 0, skipped: 1))
        #expect(try await f.depth() == 1)
    }

    @Test(arguments: StoreBackend.available)
    func queuedJobsCountAgainstTheReplyQuotaUntilTheyFinish(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (persona, posts) = try await Self.quotaScene(f, replyQuota: 2, posts: 3)
        #expect(try await f.enqueue(posts[0], [persona]).enqueued == 1)
        #expect(try await f.enqueue(posts[1], [persona]).enqueued == 1)
        #expect(try await f.enqueue(posts[2], [persona]).skipped == 1, "two queued jobs already promise the quota of 2")
        let jobs = try await f.claim(2)
        #expect(jobs.count == 2)
        let written = try #require(jobs.first { $0.postID == posts[0].id })
        #expect(try await f.store.completeReplyJob(written, content: "r", post: posts[0], quota: 2, now: f.now) == .written)
        #expect(try await f.enqueue(posts[2], [persona]).skipped == 1, "one used and one queued still fill it")
        let failed = try #require(jobs.first { $0.postID == posts[1].id })
        try await f.store.failJob(failed, attempts: StoreFixture.policy.maxAttempts, error: "permanent", availableAt: nil, now: f.now)
        #expect(try await f.enqueue(posts[2], [persona]).enqueued == 1, "a terminal failure no longer holds a unit")
    }

    /// The count stays exact through a run of enqueues that each add to it, and after jobs that end without a reply:
    /// on PostgreSQL the enqueues keep a bound on it (the persona's reply reservation), and a bound the failures left
    /// too high must not refuse a persona that has room.
    @Test(arguments: StoreBackend.available)
    func theReplyQuotaStaysExactThroughEnqueuesAndJobsThatFailedForGood(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (persona, posts) = try await Self.quotaScene(f, replyQuota: 3, posts: 7)
        for post in posts[0..<3] { #expect(try await f.enqueue(post, [persona]).enqueued == 1) }
        #expect(try await f.enqueue(posts[3], [persona]).skipped == 1, "three queued jobs fill the quota of 3")
        for job in try await f.claim(3) {
            try await f.store.failJob(job, attempts: StoreFixture.policy.maxAttempts, error: "permanent", availableAt: nil, now: f.now)
        }
        for post in posts[3..<6] { #expect(try await f.enqueue(post, [persona]).enqueued == 1, "the failed jobs hold no unit") }
        #expect(try await f.enqueue(posts[6], [persona]).skipped == 1, "the three new jobs fill it again")
        #expect(try await f.depth() == 3)
    }

    /// A job that failed with attempts left under a larger maximum is active again under it, and counts.
    @Test(arguments: StoreBackend.available)
    func aLargerMaximumOfAttemptsCountsTheFailedJobsItMakesActiveAgain(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (persona, posts) = try await Self.quotaScene(f, replyQuota: 2, posts: 4)
        for post in posts[0..<2] { #expect(try await f.enqueue(post, [persona], maxAttempts: 1).enqueued == 1) }
        for job in try await f.claim(2) {
            try await f.store.failJob(job, attempts: 1, error: "timeout", availableAt: f.now.adding(seconds: 60), now: f.now)
        }
        #expect(try await f.enqueue(posts[2], [persona], maxAttempts: 1).enqueued == 1, "out of attempts under a maximum of 1")
        #expect(
            try await f.enqueue(posts[3], [persona], maxAttempts: 3).skipped == 1,
            "under a maximum of 3 the two failed jobs are waiting for a retry: with the new one they are over the quota")
        #expect(try await f.enqueue(posts[3], [persona], maxAttempts: 1).enqueued == 1, "and under 1 again, one is queued")
    }

    /// A failed job put back in the queue (`retryFailedJob`) counts against the quota at the next enqueue.
    @Test(arguments: StoreBackend.available)
    func aRequeuedJobCountsAgainstTheReplyQuotaAtTheNextEnqueue(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (persona, posts) = try await Self.quotaScene(f, replyQuota: 2, posts: 4)
        for post in posts[0..<2] { #expect(try await f.enqueue(post, [persona]).enqueued == 1) }
        let jobs = try await f.claim(2)
        for job in jobs {
            try await f.store.failJob(job, attempts: StoreFixture.policy.maxAttempts, error: "permanent", availableAt: nil, now: f.now)
        }
        #expect(try await f.enqueue(posts[2], [persona]).enqueued == 1)
        let job = try #require(jobs.first)
        #expect(try await f.store.retryFailedJob(id: job.id, maxAttempts: StoreFixture.policy.maxAttempts, now: f.now) == .requeued)
        #expect(try await f.enqueue(posts[3], [persona]).skipped == 1, "the requeued job and the queued one fill the quota of 2")
        #expect(try await f.depth() == 2)
    }

    /// A persona with `replyQuota` and `posts` published posts of another user's persona for it to reply to.
    static func quotaScene(_ f: StoreFixture, replyQuota: Int, posts count: Int) async throws -> (Persona, [Post]) {
        let persona = try await f.persona(of: try await f.user("owner"), replyQuota: replyQuota)
        let author = try await f.persona(of: try await f.user("author"), name: "Author", draftQuota: 10)
        var posts: [Post] = []
        for n in 0..<count { posts.append(try await f.publishedPost(by: author, content: "Post \(n).")) }
        return (persona, posts)
    }

    @Test(arguments: StoreBackend.available)
    func pendingReplyJobsCountsTheActiveJobsOfThatPostOnly(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        var personas: [Persona] = []
        for n in 0..<4 { personas.append(try await f.persona(of: scene.user, name: "P\(n)")) }
        try await f.enqueue(scene.post, personas, as: scene.user)
        let other = try await f.publishedPost(by: personas[0])
        try await f.enqueue(other, [scene.persona], as: scene.user)
        #expect(try await f.store.pendingReplyJobs(postID: scene.post.id, maxAttempts: 3) == 4)
        // One DONE, one FAILED for good, one FAILED with a retry left, one still PENDING.
        let claimed = try await f.claim(3).filter { $0.postID == scene.post.id }
        #expect(claimed.count == 3)
        #expect(try await f.store.completeJob(claimed[0], now: f.now))
        try await f.store.failJob(claimed[1], attempts: 3, error: "permanent", availableAt: nil, now: f.now)
        try await f.store.failJob(claimed[2], attempts: 1, error: "retry", availableAt: f.now.adding(seconds: 60), now: f.now)
        #expect(try await f.store.pendingReplyJobs(postID: scene.post.id, maxAttempts: 3) == 2)
        #expect(try await f.store.pendingReplyJobs(postID: scene.post.id, maxAttempts: 1) == 1, "attempts left are counted against maxAttempts")
        #expect(try await f.store.pendingReplyJobs(postID: Identifiers.newUUID(), maxAttempts: 3) == 0)
    }

    /// Race: concurrent enqueues of the same (post, persona) make one job.
    @Test(arguments: StoreBackend.available)
    func concurrentDuplicateEnqueuesMakeOneJob(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        let outcomes = await concurrently(40) { _ in try await f.enqueue(scene.post, [scene.persona], as: scene.user) }
        let results = try outcomes.map { try $0.get() }
        #expect(results.map(\.enqueued).reduce(0, +) == 1)
        #expect(results.map(\.skipped).reduce(0, +) == 39)
        #expect(try await f.depth() == 1)
        #expect(try await f.eventsToday()["battle_created"] == 1)
    }

    /// Race: concurrent enqueues for many posts never queue more replies than the persona's quota (queued jobs count).
    @Test(arguments: StoreBackend.available)
    func concurrentEnqueuesNeverQueueMoreThanTheReplyQuota(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let load = try await f.store.seedSyntheticLoad(personas: 1, posts: 30, replyQuota: 5, now: f.now)
        let outcomes = await concurrently(load.posts.count) { n in
            try await f.store.enqueueReplies(
                postID: load.posts[n], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 3, now: f.now)
        }
        let results = try outcomes.map { try $0.get() }
        #expect(results.map(\.enqueued).reduce(0, +) == 5)
        #expect(try await f.depth() == 5)
    }
}
