import Domain

/// The LLM response cache: prompt-keyed provider responses and thread summaries.
public protocol LLMCacheStore: Sendable {
    /// A cached response, if any.
    func cachedLLMResponse(key: String) async throws -> String?
    /// Stores (or replaces) a response.
    func storeLLMResponse(key: String, operation: String, response: String, now: Timestamp) async throws
}
