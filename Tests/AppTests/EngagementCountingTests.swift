import Foundation
import TestSupport
import Testing

/// DECISIONS 28: a flood of client events from one actor counts once per battle, event name and UTC day in
/// trending and the admin summary, and events naming no published battle never lift anything.
@Suite struct EngagementCountingTests {
    @Test func aFloodFromOneClientCountsOnceInTrendingAndTheAdminSummary() async throws {
        try await TestApp.withRouter(["RATE_LIMIT_EVENTS_PER_MIN": "0", "FEED_CACHE_TTL": "0s"], runWorker: false) { client, dir in
            let (owner, _) = try await client.signup()
            _ = try await client.createPersona(token: owner)
            let room = try await client.firstRoom(token: owner)
            let battle = try #require(try await client.createBattle(token: owner, room: room.id)["battle_id"] as? String)
            let (admin, _) = try await client.signup("counting-admin@example.com")
            try await TestApp.grantAdmin("counting-admin@example.com", in: dir)
            let share = #"{"event_name":"battle_shared","metadata":{"battle_id":"\#(battle)"}}"#
            for _ in 0..<605 { #expect(try await client.send(.post, "/events", json: share).status == .accepted) }
            // Events for a battle that does not exist are stored, and count for nothing.
            let ghost = #"{"event_name":"battle_shared","metadata":{"battle_id":"6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5"}}"#
            for _ in 0..<50 { #expect(try await client.send(.post, "/events", json: ghost).status == .accepted) }

            let (viewer, _) = try await client.signup()
            let items = try #require(try await client.send(.get, "/feed", token: viewer).jsonObject?["items"] as? [[String: Any]])
            let trending = items.compactMap { $0["battle"] as? [String: Any] }
            #expect(trending.count == 1, "the ghost battle never trends")
            #expect(trending.first?["shares"] as? Int == 1, "605 shares from one client are one share")

            let summary = try #require(try await client.send(.get, "/admin/analytics/summary", token: admin).jsonObject)
            #expect((summary["last_24h"] as? [String: Int])?["battle_shared"] == 2, "one actor on two battle keys")

            // A second actor (a signed-in user) adds one.
            #expect(try await client.send(.post, "/events", token: viewer, json: share).status == .accepted)
            let (later, _) = try await client.signup()
            let again = try #require(try await client.send(.get, "/feed", token: later).jsonObject?["items"] as? [[String: Any]])
            #expect(again.compactMap { $0["battle"] as? [String: Any] }.first?["shares"] as? Int == 2)
        }
    }
}
