import Crypto
import Foundation

/// Where the OpenAI provider caches responses by prompt (`SQLiteLLMCache`, the `llm_cache` table); the mock uses none.
public protocol LLMResponseCache: Sendable {
    func cachedResponse(key: String) async -> String?
    func storeResponse(key: String, operation: String, response: String) async
}

/// Cache keys: a hex SHA-256 over the parts (joined with U+001F), so keys have a fixed size whatever the prompt length.
public enum LLMCacheKey {
    public static func make(_ parts: [String]) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
