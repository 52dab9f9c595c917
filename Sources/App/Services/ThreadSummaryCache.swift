import Domain
import LLM
import Storage

/// Thread summaries cached per (post, latest reply change) in the store: a view with no new replies makes no LLM
/// call, and views of the same thread state at the same time make one between them (`SingleFlight`, per process:
/// with several processes at most one call per key in each).
struct ThreadSummaryCache: Sendable {
    static let unavailable = "Thread summary unavailable right now."

    /// Who asked for a summary (the metric's `trigger` label).
    enum Trigger: String, Sendable {
        /// A thread view (`GET /posts/{id}/thread` and the pages).
        case view
        /// The worker, when a post's last pending reply is done (`ThreadSummaryWarmer`).
        case warm
    }

    let store: any LLMCacheStore
    let llm: any LLMClient
    let providerKey: String
    let summaryMaxLen: Int
    let clock: any AppClock
    let metrics: AppMetrics
    /// The provider calls under way, by cache key.
    let flights = SingleFlight<String>()

    /// The cache key of a thread's current state: the post and its latest reply change (which moves on every new
    /// or edited reply, so a view after a new reply never gets the summary of older replies).
    func key(post: Post, replies: [Reply]) -> String {
        let latest = replies.map(\.updatedAt).max() ?? Timestamp(microseconds: 0)
        return LLMCacheKey.make([
            "thread_summary", providerKey, post.id, post.updatedAt.storageString,
            latest.storageString, String(replies.count),
        ])
    }

    /// The summary of the thread as it is: cached, else from the run under way for it, else from a new provider call.
    /// Never an error: a failed call is `unavailable` (and not cached, so the next view tries again).
    func summary(post: Post, replies: [Reply], trigger: Trigger = .view) async -> String {
        let key = key(post: post, replies: replies)
        if let hit = try? await store.cachedLLMResponse(key: key) {
            metrics.recordLLMCache(hit: true)
            return hit
        }
        metrics.recordLLMCache(hit: false)
        // The shared run keeps the deadline of the caller that started it (the provider never outlives it).
        let deadline = RequestDeadline.nanos
        do {
            return try await flights.run(key) {
                try await RequestDeadline.$nanos.withValue(deadline) {
                    try await generate(key: key, post: post, replies: replies, trigger: trigger)
                }
            }
        } catch {
            return Self.cap(Self.unavailable, summaryMaxLen)
        }
    }

    /// One provider call, its text capped and stored under `key`.
    private func generate(key: String, post: Post, replies: [Reply], trigger: Trigger) async throws -> String {
        // A run that finished between the caller's cache miss and this one has stored its text.
        if let hit = try? await store.cachedLLMResponse(key: key) { return hit }
        let text: String
        do {
            text = try await llm.summarizeThread(
                post: LLMText(id: post.id, content: post.content),
                replies: replies.map { LLMText(id: $0.id, content: $0.content) })
        } catch {
            metrics.recordThreadSummaryCall(trigger: trigger.rawValue, outcome: "error")
            throw error
        }
        metrics.recordThreadSummaryCall(trigger: trigger.rawValue, outcome: "ok")
        let capped = Self.cap(text, summaryMaxLen)
        try? await store.storeLLMResponse(key: key, operation: "thread_summary", response: capped, now: clock.now())
        return capped
    }

    /// Cut to `n` runes without trimming.
    static func cap(_ text: String, _ n: Int) -> String {
        guard n > 0, text.unicodeScalars.count > n else { return text }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text.unicodeScalars.prefix(n))
        return String(view)
    }
}

/// The prompt cache the OpenAI provider uses, kept in the store (`LLMCacheStore`).
struct StoredLLMCache: LLMResponseCache {
    let store: any LLMCacheStore
    let clock: any AppClock
    let metrics: AppMetrics

    func cachedResponse(key: String) async -> String? {
        let hit = try? await store.cachedLLMResponse(key: key)
        metrics.recordLLMCache(hit: hit != nil)
        return hit
    }

    func storeResponse(key: String, operation: String, response: String) async {
        try? await store.storeLLMResponse(key: key, operation: operation, response: response, now: clock.now())
    }
}
