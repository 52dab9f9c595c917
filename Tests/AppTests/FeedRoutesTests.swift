import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// `GET /feed`: the three sources merged, scored and cached per user.
@Suite struct FeedRoutesTests {
    @Test func aFollowedAndTrendingBattleAppearsOnceWithBothReasonsAndTemplatesAreHighlighted() async throws {
        try await TestApp.withRouter(["FEED_CACHE_TTL": "0s"], runWorker: false) { client, dir in
            let (author, _) = try await client.signup()
            let (reader, _) = try await client.signup()
            let persona = try await client.createPersona(token: author, name: "Followed One")
            let slug = try await client.publishProfile(token: author, persona: persona, slug: "followed-one")
            let room = try await client.firstRoom(token: author)
            let draft = try #require(
                try await client.send(
                    .post, "/rooms/\(room.id)/posts/draft", token: author,
                    json: #"{"persona_id":"\#(persona)"}"#
                ).jsonObject?["id"] as? String)
            _ = try await client.send(.post, "/posts/\(draft)/approve", token: author, json: #"{"content":"Tabs beat spaces. Prove me wrong."}"#)
            _ = try await client.send(.post, "/p/\(slug)/follow", token: reader)
            // Two actors share (an anonymous client and the reader), one remixes; the anonymous client's second share
            // the same day counts once (DECISIONS 28).
            for (event, token) in [
                (#"{"event_name":"battle_shared","metadata":{"battle_id":"\#(draft)"}}"#, nil),
                (#"{"event_name":"battle_shared","metadata":{"battle_id":"\#(draft)","source":"again"}}"#, nil),
                (#"{"event_name":"battle_shared","metadata":{"battle_id":"\#(draft)","source":"x"}}"#, reader),
                (#"{"event_name":"remix_completed","metadata":{"battle_id":"other","source_battle_id":"\#(draft)"}}"#, nil),
            ] {
                #expect(try await client.send(.post, "/events", token: token, json: event).status == .accepted)
            }
            let feed = try await client.send(.get, "/feed", token: reader)
            #expect(feed.status == .ok)
            let items = try #require(feed.jsonObject?["items"] as? [[String: Any]])
            let battles = items.filter { $0["kind"] as? String == "battle" }
            #expect(battles.count == 1, "one item per battle")
            let item = try #require(battles.first)
            #expect(item["id"] as? String == "battle:\(draft)")
            #expect(item["reasons"] as? [String] == ["followed_persona", "trending_battle"])
            #expect(item["reason"] as? String == "followed_persona", "95 + 4 + 4 beats 70 + 6 + 5")
            let battle = try #require(item["battle"] as? [String: Any])
            #expect(battle["shares"] as? Int == 2 && battle["remixes"] as? Int == 1)
            #expect(battle["persona_name"] as? String == "Followed One")
            // DECISIONS 27: the first sentence, with no `(room)` suffix; the room is its own field.
            #expect(battle["topic"] as? String == "Tabs beat spaces.")
            #expect(battle["room_name"] as? String == room.name)
            let score = try #require(item["score"] as? Double)
            #expect(score > 102.9 && score <= 103, "95 + 2·2 + 4·1 minus a few seconds of age")
            #expect(
                items.contains {
                    $0["kind"] as? String == "template" && ($0["template"] as? [String: Any])?["name"] as? String == "Claim/Evidence 6 turns"
                })
            let highlight = try #require(feed.jsonObject?["highlight_template"] as? [String: Any])
            #expect(highlight["is_trending"] as? Bool == true && !(highlight["template_id"] as? String ?? "").isEmpty)
            // The author's own battle is never trending for the author.
            let own = try await client.send(.get, "/feed", token: author).jsonObject?["items"] as? [[String: Any]] ?? []
            #expect(!own.contains { $0["id"] as? String == "battle:\(draft)" })
            _ = dir
        }
    }

    @Test func aTrendingCreatedBattleShowsItsTypedTopic() async throws {
        try await TestApp.withRouter(["FEED_CACHE_TTL": "0s"], runWorker: false) { client, _ in
            let (author, _) = try await client.signup()
            let (reader, _) = try await client.signup()
            let room = try await client.firstRoom(token: author)
            let battle = try #require(try await client.createBattle(token: author, room: room.id)["battle_id"] as? String)
            let share = #"{"event_name":"battle_shared","metadata":{"battle_id":"\#(battle)"}}"#
            #expect(try await client.send(.post, "/events", token: reader, json: share).status == .accepted)
            let items = try #require(try await client.send(.get, "/feed", token: reader).jsonObject?["items"] as? [[String: Any]])
            let item = try #require(items.first { $0["id"] as? String == "battle:\(battle)" })
            #expect((item["battle"] as? [String: Any])?["topic"] as? String == "Go vs Rust for services")
        }
    }

    @Test func theFeedIsCachedPerUserForTheTTL() async throws {
        try await TestApp.withRouter(["FEED_CACHE_TTL": "60s"], runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let first = try await client.send(.get, "/feed", token: token)
            _ = try await client.send(
                .post, "/templates", token: token, json: #"{"name":"Fresh","prompt_rules":"x","turn_count":2,"word_limit":40,"is_public":true}"#)
            let second = try await client.send(.get, "/feed", token: token)
            #expect(first.text == second.text, "served from the per-user cache within the TTL")
            let (other, _) = try await client.signup()
            #expect(try await client.send(.get, "/feed", token: other).text.contains("Fresh"), "another user's feed is built fresh")
            #expect(try await client.send(.get, "/feed").status == .unauthorized)
        }
    }

    @Test func theSharedTrendingPoolIsServedStaleWhileOneRefreshRuns() async throws {
        let clock = ManualClock(SystemClock().now())
        try await TestApp.withRouter(["FEED_CACHE_TTL": "10s"], clock: clock, runWorker: false) { client, _ in
            let (author, _) = try await client.signup()
            let room = try await client.firstRoom(token: author).id
            let battle = try #require(try await client.createBattle(token: author, room: room)["battle_id"] as? String)
            func trendingFor(_ token: String) async throws -> Bool {
                let items = try await client.send(.get, "/feed", token: token).jsonObject?["items"] as? [[String: Any]] ?? []
                return items.contains { $0["id"] as? String == "battle:\(battle)" }
            }
            #expect(try await trendingFor(try await client.signup().token) == false, "no engagement yet; the pool is built")
            _ = try await client.send(.post, "/events", json: #"{"event_name":"battle_shared","metadata":{"battle_id":"\#(battle)"}}"#)
            #expect(try await trendingFor(try await client.signup().token) == false, "the pool is shared for the TTL")
            clock.advance(seconds: 11)
            #expect(try await trendingFor(try await client.signup().token) == false, "expired: served stale while one refresh runs")
            // The refresh runs in the background: wait for it, however long a loaded machine takes.
            let fresh = try await eventually { try await trendingFor(try await client.signup().token) }
            #expect(fresh, "the refreshed pool has the shared battle")
        }
    }
}
