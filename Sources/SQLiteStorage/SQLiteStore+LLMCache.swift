import Domain
import GRDB
import Storage

/// The LLM response cache table (`llm_cache`): prompt-keyed provider responses and thread summaries.
extension SQLiteStore {
    /// A cached response, if any.
    public func cachedLLMResponse(key: String) async throws -> String? {
        try await read { db in try String.fetchOne(db.cachedStatement(sql: "SELECT response FROM llm_cache WHERE cache_key = ?"), arguments: [key]) }
    }

    /// Stores (or replaces) a response.
    public func storeLLMResponse(key: String, operation: String, response: String, now: Timestamp) async throws {
        try await write { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO llm_cache(cache_key, operation, response, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT(cache_key) DO UPDATE SET response = excluded.response, created_at = excluded.created_at
                    """
            ).execute(arguments: [key, operation, response, now.storageString])
        }
    }
}
