import Domain
import LLM
import Storage

/// Thread summaries cached per (post, latest reply change) in SQLite: a second view
/// with no new replies makes no LLM call.
struct ThreadSummaryCache: Sendable {
    static let unavailable = "Thread summary unavailable right now."

    let store: any LLMCacheStore
    let llm: any LLMClient
    let providerKey: String
    let summaryMaxLen: Int
    let clock: any AppClock
    let metrics: AppMetrics

    func summary(post: Post, replies: [Reply]) async -> String {
        let latest = replies.map(\.updatedAt).max() ?? Timestamp(microseconds: 0)
        let key = LLMCacheKey.make([
            "thread_summary", providerKey, post.id, post.updatedAt.storageString,
            latest.storageString, String(replies.count),
        ])
        if let hit = try? await store.cachedLLMResponse(key: key) {
            metrics.recordLLMCache(hit: true)
            return hit
        }
        metrics.recordLLMCache(hit: false)
        do {
            let text = try await llm.summarizeThread(
                post: LLMText(id: post.id, content: post.content),
                replies: replies.map { LLMText(id: $0.id, content: $0.content) })
            let capped = Self.cap(text, summaryMaxLen)
            try? await store.storeLLMResponse(key: key, operation: "thread_summary", response: capped, now: clock.now())
            return capped
        } catch {
            return Self.cap(Self.unavailable, summaryMaxLen)
        }
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
