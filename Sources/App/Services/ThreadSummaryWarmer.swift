import Domain
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Writes a post's thread summary as soon as the post has no reply job left to run, so the views after a burst of
/// replies find it cached instead of waiting for the provider (`SUMMARY_PREWARM`).
///
/// Debounced per post: a post is warmed by one task at a time; replies that finish meanwhile mark it to be looked at
/// again when that task is done, and a post that still has active reply jobs (pending, running, or failed with
/// attempts left) is skipped, because the job that finishes last triggers it again. The summary goes through
/// `ThreadSummaryCache`, keyed by the thread's current state, so a view after a new reply still gets a summary of the
/// current replies, and a view that arrives while the warm-up runs waits for the same provider call.
final class ThreadSummaryWarmer: Service, Sendable {
    /// Posts warmed at the same time.
    static let concurrency = 2
    /// Posts waiting to be warmed at most; beyond it a post is not warmed (its first view summarizes it).
    static let backlogLimit = 1000

    private struct State {
        /// Posts queued or being warmed.
        var active: Set<String> = []
        /// Posts whose reply jobs finished while they were being warmed: looked at again afterwards.
        var again: Set<String> = []
    }

    private let posts: any PostStore
    private let summaries: ThreadSummaryCache
    private let maxAttempts: Int
    private let logger: Logger
    private let state = Mutex(State())
    private let queue: AsyncStream<String>
    private let input: AsyncStream<String>.Continuation
    /// Called after each pass over a post (tests wait on it).
    private let warmed: @Sendable (String) -> Void

    init(
        posts: any PostStore, summaries: ThreadSummaryCache, maxAttempts: Int, logger: Logger,
        warmed: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.posts = posts
        self.summaries = summaries
        self.maxAttempts = maxAttempts
        self.logger = logger
        self.warmed = warmed
        (queue, input) = AsyncStream.makeStream(of: String.self)
    }

    /// The worker's hook (`WorkerPool.jobSettled`): a job reached its final state.
    func jobSettled(_ job: ClaimedJob) {
        guard job.kind == .generateReply else { return }
        replyJobsChanged(postID: job.postID)
    }

    /// A reply job of `postID` finished: warm the post once it has none left.
    func replyJobsChanged(postID: String) {
        let enqueue = state.withLock { s -> Bool in
            if s.active.contains(postID) {
                s.again.insert(postID)
                return false
            }
            guard s.active.count < Self.backlogLimit else { return false }
            s.active.insert(postID)
            return true
        }
        if enqueue { input.yield(postID) }
    }

    /// Whether `postID` is queued or being warmed.
    func isWarming(_ postID: String) -> Bool {
        state.withLock { $0.active.contains(postID) }
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            var running = 0
            for await postID in queue.cancelOnGracefulShutdown() {
                if running >= Self.concurrency {
                    await group.next()
                    running -= 1
                }
                group.addTask { await self.warm(postID) }
                running += 1
            }
            // Shutting down: a warm-up waiting for the provider stops waiting (the shared call is not cancelled).
            group.cancelAll()
        }
        input.finish()
    }

    /// Warms `postID` until no reply job of it finished during the last pass.
    func warm(_ postID: String) async {
        while true {
            _ = state.withLock { $0.again.remove(postID) }
            await warmOnce(postID)
            warmed(postID)
            let done = state.withLock { s -> Bool in
                if s.again.contains(postID) && !Task.isCancelled { return false }
                s.again.remove(postID)
                s.active.remove(postID)
                return true
            }
            if done { return }
        }
    }

    private func warmOnce(_ postID: String) async {
        do {
            guard try await posts.pendingReplyJobs(postID: postID, maxAttempts: maxAttempts) == 0,
                let thread = try await posts.thread(postID: postID),
                // A post whose reply jobs all failed has nothing new to summarize: no provider call for it.
                !thread.replies.isEmpty
            else { return }
            _ = await summaries.summary(post: thread.post, replies: thread.replies, trigger: .warm)
        } catch {
            logger.debug("thread_summary_warm_failed", metadata: ["post_id": .string(postID), "error": .string(String(describing: error))])
        }
    }
}
