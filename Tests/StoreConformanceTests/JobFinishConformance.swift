import Domain
import Storage
import TestSupport
import Testing

/// `JobQueue` finishing writes: complete, fail (retry or terminal), release, the claim of the next job in the same
/// call, and the queue's depth and shedding signals.
@Suite struct JobFinishConformance {
    /// `count` reply jobs on one post, enqueued a second apart so they are claimed in persona order.
    static func jobs(_ f: StoreFixture, _ count: Int) async throws -> (user: User, personas: [Persona], post: Post) {
        let scene = try await f.replyScene()
        var personas = [scene.persona]
        for n in 1..<max(count, 1) { personas.append(try await f.persona(of: scene.user, name: "P\(n)")) }
        for (n, persona) in personas.enumerated() {
            try await f.enqueue(scene.post, [persona], as: scene.user, at: f.now.adding(seconds: Double(n - count)))
        }
        return (scene.user, personas, scene.post)
    }

    @Test(arguments: StoreBackend.available)
    func completingMarksTheJobDoneOnceAndCanClaimTheNextInTheSameCall(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (_, personas, _) = try await Self.jobs(f, 2)
        let first = try #require(try await f.claim().first)
        let result = try await f.store.completeJob(first, now: f.now, claimNext: StoreFixture.policy)
        #expect(result.done)
        let next = try #require(result.next)
        #expect(next.personaID == personas[1].id && next.id != first.id)
        #expect(try await f.store.completeJob(first, now: f.now) == false, "a finished job cannot be finished again")
        #expect(try await f.store.completeJob(next, now: f.now))
        let repeated = try await f.store.completeJob(next, now: f.now, claimNext: StoreFixture.policy)
        #expect(!repeated.done && repeated.next == nil)
        #expect(try await f.depth() == 0)
        #expect(try await f.claim().isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aRetryableFailureWaitsForItsTimeAndStaysActive(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        _ = try await Self.jobs(f, 1)
        let job = try #require(try await f.claim().first)
        try await f.store.failJob(job, attempts: 1, error: "provider down", availableAt: f.now.adding(seconds: 30), now: f.now)
        #expect(try await f.depth() == 1, "waiting for a retry is active")
        #expect(try await f.store.shedSignals(maxAttempts: 3, since: f.now) == ShedSignals(queueDepth: 1, recentRetries: 1))
        #expect(try await f.claim().isEmpty, "not before its time")
        f.advance(29.9)
        #expect(try await f.claim().isEmpty)
        f.advance(0.1)
        let again = try #require(try await f.claim().first)
        #expect(again.id == job.id && again.attempts == 1)
    }

    @Test(arguments: StoreBackend.available)
    func aFailureAtTheLastAttemptIsTerminal(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        _ = try await Self.jobs(f, 1)
        let job = try #require(try await f.claim().first)
        try await f.store.failJob(job, attempts: 3, error: "content failed profanity check", availableAt: nil, now: f.now)
        #expect(try await f.depth() == 0)
        #expect(try await f.store.shedSignals(maxAttempts: 3, since: f.now) == ShedSignals(queueDepth: 0, recentRetries: 0))
        f.advance(86_400)
        #expect(try await f.claim().isEmpty, "never claimed again")
        #expect(try await f.store.completeJob(job, now: f.now) == false)
    }

    @Test(arguments: StoreBackend.available)
    func aFailureWithoutARetryTimeKeepsTheJobsAvailability(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        _ = try await Self.jobs(f, 1)
        let job = try #require(try await f.claim().first)
        try await f.store.failJob(job, attempts: 1, error: "retry at once", availableAt: nil, now: f.now)
        let again = try #require(try await f.claim().first, "its available_at (the enqueue time) has passed")
        #expect(again.id == job.id && again.attempts == 1)
    }

    @Test(arguments: StoreBackend.available)
    func failingCanClaimTheNextJobInTheSameCall(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (_, personas, _) = try await Self.jobs(f, 2)
        let first = try #require(try await f.claim().first)
        let next = try await f.store.failJob(
            first, attempts: 1, error: "retry", availableAt: f.now.adding(seconds: 60), now: f.now, claimNext: StoreFixture.policy)
        #expect(next?.personaID == personas[1].id)
        #expect(try await f.claim().isEmpty, "the failed job waits, the other is held")
    }

    @Test(arguments: StoreBackend.available)
    func aReleasedJobIsPendingAgainWithoutAnAttempt(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        _ = try await Self.jobs(f, 1)
        let job = try #require(try await f.claim().first)
        try await f.store.releaseJob(job, now: f.now)
        #expect(try await f.depth() == 1)
        // The fence is the claim's time: a claim in a later instant than the released one.
        f.advance(0.001)
        let again = try #require(try await f.claim().first)
        #expect(again.id == job.id && again.attempts == 0)
        #expect(try await f.store.completeJob(job, now: f.now) == false, "the released claim is over")
        #expect(try await f.store.completeJob(again, now: f.now))
    }

    @Test(arguments: StoreBackend.available)
    func depthAndSheddingSignalsCountActiveJobsOnly(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        #expect(try await f.store.queueDepth(maxAttempts: 3).isEmpty)
        #expect(try await f.store.shedSignals(maxAttempts: 3, since: f.now) == ShedSignals(queueDepth: 0, recentRetries: 0))
        _ = try await Self.jobs(f, 5)
        let claimed = try await f.claim(4)
        #expect(try await f.store.completeJob(claimed[0], now: f.now))
        try await f.store.failJob(claimed[1], attempts: 3, error: "terminal", availableAt: nil, now: f.now)
        try await f.store.failJob(claimed[2], attempts: 1, error: "retry", availableAt: f.now.adding(seconds: 60), now: f.now)
        // Left: one PROCESSING, one FAILED with a retry, one PENDING.
        #expect(try await f.store.queueDepth(maxAttempts: 3) == [JobKind.generateReply.rawValue: 3])
        #expect(try await f.store.queueDepth(maxAttempts: 1) == [JobKind.generateReply.rawValue: 2])
        #expect(try await f.store.shedSignals(maxAttempts: 3, since: f.now) == ShedSignals(queueDepth: 3, recentRetries: 1))
        #expect(try await f.store.shedSignals(maxAttempts: 3, since: f.now.adding(seconds: 1)).recentRetries == 0, "failed before the window")
    }
}
