import App
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// The OpenAI provider wired into the app: thread-summary caching and the 502 mapping.
@Suite struct ThreadCacheTests {
    @Test func secondThreadViewWithoutNewRepliesMakesNoLLMCall() async throws {
        let fake = FakeOpenAIServer([.completion("A neat summary.")])
        try await FakeOpenAIServer.run(fake) { base in
            try await TestApp.withRouter(
                [
                    "LLM_PROVIDER": "openai", "OPENAI_BASE_URL": base, "OPENAI_API_KEY": "sk-test",
                    "OPENAI_MAX_RETRIES": "0",
                ], runWorker: false, live: true // /metrics answers loopback peers only; the router alone has none
            ) { client, dir in
                let (token, _) = try await client.signup()
                let postID = try await SeededPost.create(dir: dir, token: token, client: client)
                let first = try await client.send(.get, "/posts/\(postID)/thread", token: token)
                #expect(first.jsonObject?["ai_summary"] as? String == "A neat summary.")
                let calls = await fake.requestCount
                let second = try await client.send(.get, "/posts/\(postID)/thread", token: token)
                #expect(second.jsonObject?["ai_summary"] as? String == "A neat summary.")
                #expect(await fake.requestCount == calls, "a cached summary must not call the provider")
                let metrics = try await client.send(.get, "/metrics")
                #expect(metrics.text.contains("llm_cache_hits_total 1"))
            }
        }
    }

    @Test func providerFailuresMapTo502AndSummaryFallback() async throws {
        let fake = FakeOpenAIServer([.raw("{not json")])
        try await FakeOpenAIServer.run(fake) { base in
            try await TestApp.withRouter(
                [
                    "LLM_PROVIDER": "openai", "OPENAI_BASE_URL": base, "OPENAI_API_KEY": "sk-test",
                    "OPENAI_MAX_RETRIES": "0",
                ], runWorker: false
            ) { client, dir in
                let (token, _) = try await client.signup()
                let persona = try await client.createPersona(token: token)
                let rooms = try await client.send(.get, "/rooms", token: token)
                let room = try #require((rooms.jsonObject?["rooms"] as? [[String: Any]])?.first?["id"] as? String)
                let preview = try await client.send(.post, "/personas/\(persona)/preview?room_id=\(room)", token: token)
                #expect(preview.status == .badGateway)
                #expect(preview.errorMessage?.hasPrefix("llm preview failed: ") == true)
                let draft = try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(persona)"}"#)
                #expect(draft.status == .badGateway)
                #expect(draft.errorMessage?.hasPrefix("llm draft failed: ") == true)
                await fake.setScript([.completion("")])
                let postID = try await SeededPost.create(dir: dir, token: token, client: client)
                let thread = try await client.send(.get, "/posts/\(postID)/thread", token: token)
                #expect(thread.jsonObject?["ai_summary"] as? String == "Thread summary unavailable right now.")
            }
        }
    }
}

/// Inserts a published post owned by the token's user straight into the test database.
enum SeededPost {
    static func create(dir: TestDirectory, token: String, client: any TestClientProtocol) async throws -> String {
        let database = try await TestDatabase.open(dir)
        let id = UUID().uuidString.lowercased() // Foundation's UUID() is a random v4
        let user = try #require(try await database.string("SELECT id FROM users ORDER BY created_at DESC LIMIT 1"))
        let room = try #require(try await database.string("SELECT id FROM rooms LIMIT 1"))
        let ts = "2026-01-01T00:00:00.000000Z"
        try await database.execute(
            """
            INSERT INTO posts(id, room_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
            VALUES (?, ?, ?, 'HUMAN', 'PUBLISHED', 'Is SQLite enough?', ?, ?, ?)
            """, [id, room, user, ts, ts, ts])
        try await database.close()
        return id
    }
}
