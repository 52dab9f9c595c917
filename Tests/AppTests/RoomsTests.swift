import HummingbirdTesting
import TestSupport
import Testing

/// `GET /rooms` and the four seeded rooms.
@Suite struct RoomsTests {
    @Test func roomsAreSeededAndSortedByName() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            let r = try await client.send(.get, "/rooms", token: token)
            #expect(r.status == .ok)
            let rooms = try #require(r.jsonObject?["rooms"] as? [[String: Any]])
            #expect(rooms.compactMap { $0["slug"] as? String } == ["ai-builders", "cybersecurity", "game-dev", "go-backend"])
            #expect(rooms.first?["name"] as? String == "ai-builders")
            #expect(rooms.first?["description"] as? String == "Shipping AI products, evals, prompts, and ops.")
        }
    }

    @Test func roomsRequireAuth() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(.get, "/rooms")
            #expect(r.errorMessage == "missing auth header")
        }
    }
}
