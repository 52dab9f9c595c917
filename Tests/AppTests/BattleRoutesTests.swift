import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// `POST /rooms/{id}/battles`: validation order, the creation summary, reply jobs and notifications.
@Suite struct BattleRoutesTests {
    @Test func battleCreationSummaryEnqueuesTwoRepliesAndTheyArrive() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            for name in ["Ada", "Linus", "Grace"] { _ = try await client.createPersona(token: token, name: name) }
            let room = try await client.firstRoom(token: token)
            let battle = try await client.createBattle(token: token, room: room.id, json: #"{"topic":"  Go vs Rust for services  "}"#)
            let id = try #require(battle["battle_id"] as? String)
            #expect(battle["room_name"] as? String == room.name)
            #expect(battle["enqueued_replies"] as? Int == 2, "a 6-turn template enqueues 2 of the 3 personas")
            #expect(battle["remix_used"] as? Bool == false)
            #expect(battle["suggested_next_url"] as? String == "/b/\(id)")
            let post = try #require(battle["post"] as? [String: Any])
            #expect(post["status"] as? String == "PUBLISHED")
            #expect(post["authored_by"] as? String == "HUMAN")
            #expect(post["persona_id"] == nil && post["persona_name"] == nil)
            #expect(
                post["content"] as? String == """
                    Topic: Go vs Rust for services
                    Template: Claim/Evidence 6 turns
                    Pro style: Bold and practical
                    Con style: Skeptical and evidence-first

                    Battle opening: keep arguments concise and evidence-based.
                    """)
            let template = try #require(battle["template"] as? [String: Any])
            #expect(template["name"] as? String == "Claim/Evidence 6 turns")
            #expect(template["owner_user_id"] == nil)
            let replies = try await client.waitForReplies(token: token, post: id, count: 2)
            #expect(Set(replies.compactMap { $0["persona_name"] as? String }) == ["Ada", "Linus"], "the first two personas by age reply")
        }
    }

    @Test func longTemplatesEnqueueThreeAndStylesAreTrimmedAndCut() async throws {
        try await TestApp.withRouter(["LOG_LEVEL": "critical"], runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            for name in ["A1", "B2", "C3", "D4"] { _ = try await client.createPersona(token: token, name: name) }
            let room = try await client.firstRoom(token: token)
            let created = try await client.send(
                .post, "/templates", token: token, json: #"{"name":"Long","prompt_rules":"Be brief.","turn_count":8,"word_limit":100}"#)
            let template = try #require(created.jsonObject?["id"] as? String)
            let style = String(repeating: "é", count: 100)
            let battle = try await client.createBattle(
                token: token, room: room.id,
                json: #"{"topic":"Tabs or spaces","template_id":" \#(template.uppercased()) ","pro_style":" \#(style) ","con_style":"  "}"#)
            #expect(battle["enqueued_replies"] as? Int == 3)
            let content = try #require((battle["post"] as? [String: Any])?["content"] as? String)
            #expect(content.contains("Pro style: \(String(repeating: "é", count: 80))\n"))
            #expect(content.contains("Con style: Skeptical and evidence-first\n"))
            #expect(content.contains("Template: Long\n"))
        }
    }

    @Test func validationFollowsTheContractOrder() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let room = try await client.firstRoom(token: token).id
            let unknown = "0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f"
            #expect(try await client.send(.post, "/rooms/x/battles", token: token, json: "{}").errorMessage == "room id is invalid")
            #expect(try await client.send(.post, "/rooms/\(unknown)/battles", token: token, json: "{}").errorMessage == "room not found")
            #expect(try await client.send(.post, "/rooms/\(room)/battles", token: token).errorMessage == "EOF")
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: token, json: #"{"topic":"abc","x":1}"#).errorMessage
                    == #"json: unknown field "x""#)
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: token, json: #"{"topic":"ab","template_id":"nope"}"#).errorMessage
                    == "template id is invalid")
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: token, json: #"{"topic":" ab "}"#).errorMessage
                    == "topic must be at least 3 chars")
            let long = String(repeating: "t", count: 181)
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: token, json: #"{"topic":"\#(long)"}"#).errorMessage
                    == "topic must be <= 180 chars")
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: token, json: #"{"topic":"what the shit"}"#).errorMessage
                    == "topic failed profanity check")
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: token, json: #"{"topic":"abc","template_id":"\#(unknown)"}"#)
                    .errorMessage == "template not found")
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: token, json: #"{"topic":"abc","remix_token":"garbage"}"#).errorMessage
                    == "invalid remix_token")
            #expect(try await client.send(.post, "/rooms/\(room)/battles", json: "{}").status == .unauthorized)
            let noPersonas = try await client.createBattle(token: token, room: room, json: #"{"topic":"abc"}"#)
            #expect(noPersonas["enqueued_replies"] as? Int == 0, "a user without personas still gets the battle")
        }
    }

    @Test func privateTemplatesAreUsableByTheirOwnerOnlyAndNotifyTheOwnerOnUse() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (owner, ownerID) = try await client.signup()
            let (other, _) = try await client.signup()
            let room = try await client.firstRoom(token: owner).id
            let privateT = try #require(
                try await client.send(
                    .post, "/templates", token: owner,
                    json: #"{"name":"Mine","prompt_rules":"Short turns.","turn_count":4,"word_limit":80}"#
                ).jsonObject?["id"] as? String)
            let publicT = try #require(
                try await client.send(
                    .post, "/templates", token: owner,
                    json: #"{"name":"Ours","prompt_rules":"Short turns.","turn_count":4,"word_limit":80,"is_public":true}"#
                ).jsonObject?["id"] as? String)
            #expect(
                try await client.send(.post, "/rooms/\(room)/battles", token: other, json: #"{"topic":"abc","template_id":"\#(privateT)"}"#)
                    .errorMessage == "template not found")
            _ = try await client.createBattle(token: owner, room: room, json: #"{"topic":"abc","template_id":"\#(privateT)"}"#)
            let battle = try await client.createBattle(token: other, room: room, json: #"{"topic":"abc","template_id":"\#(publicT)"}"#)
            #expect((battle["template"] as? [String: Any])?["owner_user_id"] as? String == ownerID)
            let rows = try await TestDatabase.open(dir).rows("SELECT user_id, actor_user_id, type, title, body, metadata FROM notifications")
            #expect(rows.count == 1, "using one's own template notifies nobody; another user's use notifies the owner")
            #expect(rows.first?["user_id"] == ownerID)
            #expect(rows.first?["type"] == "template_used")
            #expect(rows.first?["body"] == #"Your template "Ours" was used in a new battle."#)
            #expect((rows.first?["metadata"] ?? nil)?.contains(battle["battle_id"] as? String ?? "?") == true)
        }
    }

    /// The first 30 battles take turns on the two personas' rows (the quota is counted under their locks); the timeouts
    /// are generous so that on a starved machine the turns do not turn into 500s (`TestApp.burstTimeouts`).
    @Test func concurrentDuplicateBattlesNeverGiveAPersonaTwoRepliesOrExceedItsQuota() async throws {
        let values = TestApp.burstTimeouts.merging(["RATE_LIMIT_BATTLE_CREATE_PER_MIN": "0", "DEFAULT_REPLY_QUOTA": "30"]) { $1 }
        try await TestApp.withRouter(values) { client, dir in
            let (token, _) = try await client.signup()
            let ada = try await client.createPersona(token: token, name: "Ada")
            let linus = try await client.createPersona(token: token, name: "Linus")
            let room = try await client.firstRoom(token: token).id
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<50 { group.addTask { try await client.createBattle(token: token, room: room)["battle_id"] as? String ?? "" } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(ids).count == 50)
            let database = try await TestDatabase.open(dir)
            let counts = (
                try await database.int("SELECT COUNT(*) FROM jobs WHERE persona_id = ?", [ada]) ?? 0,
                try await database.int("SELECT COUNT(*) FROM jobs WHERE persona_id = ?", [linus]) ?? 0,
                try await database.int("SELECT COUNT(*) FROM (SELECT post_id, persona_id FROM jobs GROUP BY 1, 2 HAVING COUNT(*) > 1) AS d") ?? -1
            )
            #expect(counts.0 == 30 && counts.1 == 30, "queued jobs count against the daily reply quota of 30")
            #expect(counts.2 == 0, "no battle has two jobs for one persona")
        }
    }
}
