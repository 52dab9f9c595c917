import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Notifications from each trigger, reading them, isolation between users, and the admin summary.
@Suite struct NotificationAndAdminRoutesTests {
    @Test func eachTriggerNotifiesTheOwnerAndReadingIsPerUser() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let (owner, ownerID) = try await client.signup()
            let (fan, fanID) = try await client.signup()
            let persona = try await client.createPersona(token: owner, name: "Famous")
            let slug = try await client.publishProfile(token: owner, persona: persona, slug: "famous")
            let room = try await client.firstRoom(token: owner)
            let template = try #require(
                try await client.send(
                    .post, "/templates", token: owner,
                    json: #"{"name":"Owner's","prompt_rules":"x","turn_count":2,"word_limit":40,"is_public":true}"#
                ).jsonObject?["id"] as? String)
            _ = try await client.send(.post, "/p/\(slug)/follow", token: fan)
            let source = try #require(try await client.createBattle(token: owner, room: room.id)["battle_id"] as? String)
            _ = try await client.createBattle(token: fan, room: room.id, json: #"{"topic":"Using your template","template_id":"\#(template)"}"#)
            let remixToken = try #require(try await client.send(.post, "/battles/\(source)/remix-intent").jsonObject?["remix_token"] as? String)
            _ = try await client.createBattle(token: fan, room: room.id, json: #"{"remix_token":"\#(remixToken)"}"#)

            let listed = try await client.send(.get, "/notifications", token: owner)
            #expect(listed.status == .ok)
            let items = try #require(listed.jsonObject?["notifications"] as? [[String: Any]])
            #expect(items.map { $0["type"] as? String } == ["battle_remixed", "template_used", "persona_followed"], "newest first")
            #expect(items.allSatisfy { $0["actor_user_id"] as? String == fanID && $0["read_at"] == nil })
            #expect(items[0]["body"] as? String == "Someone remixed your battle in \(room.name).")
            #expect((items[2]["metadata"] as? [String: Any])?["slug"] as? String == "famous")
            #expect(listed.jsonObject?["unread_count"] as? Int == 3)
            #expect((try await client.send(.get, "/notifications", token: fan).jsonObject?["notifications"] as? [Any])?.isEmpty == true)

            let first = try #require(items[2]["id"] as? Int)
            #expect(
                try await client.send(.post, "/notifications/\(first)/read", token: fan).jsonObject?["updated"] as? Bool == false,
                "another user's notification is simply not found")
            let read = try await client.send(.post, "/notifications/\(first)/read", token: owner)
            #expect(read.jsonObject?["updated"] as? Bool == true && read.jsonObject?["unread_count"] as? Int == 2)
            #expect(try await client.send(.post, "/notifications/\(first)/read", token: owner).jsonObject?["updated"] as? Bool == false)
            let limited = try await client.send(.get, "/notifications?limit=1", token: owner)
            #expect((limited.jsonObject?["notifications"] as? [Any])?.count == 1)
            let all = try await client.send(.post, "/notifications/read-all", token: owner)
            #expect(all.jsonObject?["updated"] as? Int == 2 && all.jsonObject?["unread_count"] as? Int == 0)
            let after = try await client.send(.get, "/notifications", token: owner).jsonObject?["notifications"] as? [[String: Any]] ?? []
            #expect(after.allSatisfy { $0["read_at"] is String })
            _ = ownerID
        }
    }

    @Test func notificationInputErrors() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            #expect(try await client.send(.get, "/notifications?limit=x", token: token).errorMessage == "limit must be a number")
            #expect(try await client.send(.get, "/notifications?limit=0", token: token).errorMessage == "limit must be between 1 and 100")
            #expect(try await client.send(.get, "/notifications?limit=101", token: token).errorMessage == "limit must be between 1 and 100")
            #expect(try await client.send(.get, "/notifications?limit=%2B5", token: token).errorMessage == "limit must be a number")
            for bad in ["0", "-1", "abc", "99999999999999999999", "+1", "%2B1", "1e2", "%201"] {
                #expect(try await client.send(.post, "/notifications/\(bad)/read", token: token).errorMessage == "notification id is invalid")
            }
            #expect(try await client.send(.get, "/notifications").status == .unauthorized)
        }
    }

    @Test func adminSummaryIsForAdminEmailsOnlyAndZeroFillsEveryName() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (boss, _) = try await client.signup("boss@example.com")
            try await TestApp.grantAdmin("Boss@Example.com", in: dir)
            let (other, _) = try await client.signup()
            #expect(try await client.send(.get, "/admin/analytics/summary").errorMessage == "missing auth header")
            let denied = try await client.send(.get, "/admin/analytics/summary", token: other)
            #expect(denied.status == .forbidden && denied.errorMessage == "forbidden")
            _ = try await client.send(.post, "/events", json: #"{"event_name":" Battle_Shared ","metadata":{"battle_id":"b1"}}"#)
            let summary = try await client.send(.get, "/admin/analytics/summary", token: boss)
            #expect(summary.status == .ok)
            let s = try #require(summary.jsonObject)
            let day = try #require(s["last_24h"] as? [String: Int])
            #expect(day.count == 16 && day["battle_shared"] == 1 && day["daily_return"] == 0)
            #expect((s["last_7d"] as? [String: Int])?["battle_shared"] == 1)
            #expect((s["funnel_7d"] as? [String: Int]) == ["share": 1, "view": 0, "signup": 0, "persona": 0, "battle": 0])
            #expect(
                Set((s["remix_funnel_7d"] as? [String: Int])?.keys ?? [:].keys) == [
                    "public_views", "remix_clicked", "remix_started", "remix_completed",
                ])
            #expect(
                Set((s["retention_7d"] as? [String: Int])?.keys ?? [:].keys) == ["daily_return", "notification_clicked", "template_used_from_feed"])
            #expect((s["generated_at"] as? String)?.contains(".") == false)
        }
    }
}
