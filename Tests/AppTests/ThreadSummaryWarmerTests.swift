import Domain
import Logging
import Storage
import Synchronization
import Testing

@testable import App

/// The worker's summary warmer on its own (the end-to-end case is in `ThreadSummaryFlightTests`): a post with reply
/// jobs still active is left to its last job, and replies that finish during a warm-up make one more pass, not one
/// each. Passes are counted through the warmer's `warmed` hook and provider calls at the gated fake, so nothing here
/// depends on timing.
@Suite struct ThreadSummaryWarmerTests {
    final class Passes: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func add() { count.withLock { $0 += 1 } }
    }

    static func warmer(_ parts: ThreadSummaryFlightTests.Parts, passes: Passes) -> ThreadSummaryWarmer {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return ThreadSummaryWarmer(
            posts: parts.store, summaries: parts.cache, maxAttempts: 5, logger: logger, warmed: { _ in passes.add() })
    }

    @Test func aPostWithAReplyJobStillActiveIsLeftToItsLastJob() async throws {
        let parts = try await ThreadSummaryFlightTests.Parts()
        parts.llm.open()
        let passes = Passes()
        let warmer = Self.warmer(parts, passes: passes)
        let post = parts.post.id
        let enqueued = try await parts.store.enqueueReplies(
            postID: post, personaIDs: parts.ids.personas, userID: parts.ids.user, payloadExtra: [:], maxAttempts: 5,
            now: parts.clock.now())
        #expect(enqueued.enqueued == 1)
        await warmer.warm(post)
        #expect(passes.value == 1)
        #expect(parts.llm.summaryCalls == 0, "a reply is still on its way: no summary of the thread without it")

        // The job writes its reply: nothing is active any more, so the next pass summarizes.
        try await Self.finishWithAReply(parts)
        await warmer.warm(post)
        #expect(parts.llm.summaryCalls == 1)
        let thread = try #require(try await parts.store.thread(postID: post))
        let key = parts.cache.key(post: thread.post, replies: thread.replies)
        #expect(try await parts.store.cachedLLMResponse(key: key) == "summary 1 of \(thread.replies.count) replies")
    }

    /// A post whose reply jobs all failed has nothing to summarize: its warm-up makes no provider call.
    @Test func aPostWhoseReplyJobsAllFailedIsNotSummarized() async throws {
        let parts = try await ThreadSummaryFlightTests.Parts()
        parts.llm.open()
        let passes = Passes()
        let warmer = Self.warmer(parts, passes: passes)
        _ = try await parts.store.enqueueReplies(
            postID: parts.post.id, personaIDs: parts.ids.personas, userID: parts.ids.user, payloadExtra: [:], maxAttempts: 5,
            now: parts.clock.now())
        let job = try #require(try await parts.store.claimJob(policy: Self.policy, now: parts.clock.now()))
        try await parts.store.failJob(job, attempts: 5, error: "gone", availableAt: nil, now: parts.clock.now())
        await warmer.warm(parts.post.id)
        #expect(passes.value == 1)
        #expect(parts.llm.summaryCalls == 0)
    }

    static let policy = QueuePolicy(maxAttempts: 5, leaseSeconds: 60)

    /// Enqueues the post's reply job if none is queued, claims it and writes its reply, as the worker does.
    static func finishWithAReply(_ parts: ThreadSummaryFlightTests.Parts) async throws {
        _ = try await parts.store.enqueueReplies(
            postID: parts.post.id, personaIDs: parts.ids.personas, userID: parts.ids.user, payloadExtra: [:], maxAttempts: 5,
            now: parts.clock.now())
        let job = try #require(try await parts.store.claimJob(policy: policy, now: parts.clock.now()))
        let write = try await parts.store.completeReplyJob(job, content: "a reply", post: parts.post, quota: 100, now: parts.clock.now())
        #expect(write == .written)
    }

    @Test func repliesFinishingDuringAWarmUpMakeOneMorePassNotOneEach() async throws {
        let parts = try await ThreadSummaryFlightTests.Parts()
        try await Self.finishWithAReply(parts)
        let passes = Passes()
        let warmer = Self.warmer(parts, passes: passes)
        let post = parts.post.id
        let running = Task { try await warmer.run() }
        defer { running.cancel() }

        warmer.replyJobsChanged(postID: post)
        // The first pass waits at the provider's gate.
        try await ThreadSummaryFlightTests.waitUntil("the first pass called the provider") { parts.llm.summaryCalls == 1 }
        for _ in 0..<5 { warmer.replyJobsChanged(postID: post) }
        #expect(passes.value == 0)
        parts.llm.open()
        try await ThreadSummaryFlightTests.waitUntil("the second pass ran") { passes.value == 2 }
        // The second pass found the thread state summarized (same key): no second call.
        #expect(parts.llm.summaryCalls == 1)

        // Once idle, the next finished job starts a new pass.
        try await ThreadSummaryFlightTests.waitUntil("the warmer is idle") { !warmer.isWarming(post) }
        warmer.replyJobsChanged(postID: post)
        try await ThreadSummaryFlightTests.waitUntil("a third pass ran") { passes.value == 3 }
        #expect(parts.llm.summaryCalls == 1)
    }
}
