import Crypto
import Foundation

/// Where LLM responses are cached (SQLite in the app, in memory in tests).
public protocol LLMResponseCache: Sendable {
    func cachedResponse(key: String) async -> String?
    func storeResponse(key: String, operation: String, response: String) async
}

/// Cache keys: a SHA-256 over the parts, so keys have a fixed size whatever the prompt length.
public enum LLMCacheKey {
    public static func make(_ parts: [String]) -> String {
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
