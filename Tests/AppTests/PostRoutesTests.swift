import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Posts, drafts, approval, previews, reply generation and threads.
@Suite struct PostRoutesTests {
    /// Signs up, creates a persona, and returns (token, persona id, first room id).
    static func setup(_ client: any TestClientProtocol, persona extra: String = "") async throws -> (String, String, String) {
        let (token, _) = try await client.signup()
        let persona = try await client.send(.post, "/personas", token: token, json: TestJSON.persona(name: "Ada", extra: extra))
        let rooms = try await client.send(.get, "/rooms", token: token)
        let room = try #require((rooms.jsonObject?["rooms"] as? [[String: Any]])?.first?["id"] as? String)
        return (token, try #require(persona.jsonObject?["id"] as? String), room)
    }

    static func publishedPost(_ client: any TestClientProtocol, token: String, persona: String, room: String) async throws -> String {
        let draft = try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(persona)"}"#)
        let id = try #require(draft.jsonObject?["id"] as? String)
        #expect(try await client.send(.post, "/posts/\(id)/approve", token: token).status == .ok)
        return id
    }

    @Test func draftThenApproveThenRoomListing() async throws {
        try await TestApp.withRouter(["DEFAULT_DRAFT_QUOTA": "5"]) { client, _ in
            let (token, persona, room) = try await Self.setup(client, persona: #","daily_draft_quota":1"#)
            let draft = try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(persona.uppercased())"}"#)
            #expect(draft.status == .created)
            let d = try #require(draft.jsonObject)
            #expect(d["status"] as? String == "DRAFT")
            #expect(d["authored_by"] as? String == "AI")
            #expect(d["persona_name"] as? String == "Ada")
            #expect((d["content"] as? String)?.hasPrefix("In ai-builders, an insight for Ada is that Ship it: small weekly") == true)
            let again = try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(persona)"}"#)
            #expect(again.status == .tooManyRequests)
            #expect(again.errorMessage == "daily draft quota reached")

            let (other, _) = try await client.signup()
            let id = try #require(d["id"] as? String)
            #expect(try await client.send(.get, "/rooms/\(room)/posts", token: other).jsonObject?["posts"] as? [Any] != nil)
            let otherView = try await client.send(.get, "/rooms/\(room)/posts", token: other)
            #expect((otherView.jsonObject?["posts"] as? [Any])?.isEmpty == true, "drafts are visible to their owner only")
            #expect(try await client.send(.post, "/posts/\(id)/approve", token: other).errorMessage == "not allowed")
            #expect(try await client.send(.get, "/posts/\(id)/thread", token: other).errorMessage == "not allowed")

            let approved = try await client.send(.post, "/posts/\(id)/approve", token: token, json: #"{"content":"  Edited text. Why?  "}"#)
            #expect(approved.status == .ok)
            #expect(approved.jsonObject?["content"] as? String == "Edited text. Why?")
            #expect(approved.jsonObject?["status"] as? String == "PUBLISHED")
            #expect(approved.jsonObject?["authored_by"] as? String == "AI_DRAFT_APPROVED")
            #expect(approved.jsonObject?["persona_name"] == nil)
            #expect(try await client.send(.post, "/posts/\(id)/approve", token: token).errorMessage == "only drafts can be approved")
            let listed = try await client.send(.get, "/rooms/\(room)/posts", token: other)
            #expect((listed.jsonObject?["posts"] as? [[String: Any]])?.first?["persona_name"] as? String == "Ada")
        }
    }

    @Test func draftAndApproveValidation() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, persona, room) = try await Self.setup(client)
            #expect(try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: "{}").errorMessage == "persona_id is required")
            #expect(
                try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"x"}"#).errorMessage
                    == "persona_id is invalid")
            #expect(
                try await client.send(.post, "/rooms/bad/posts/draft", token: token, json: #"{"persona_id":"\#(persona)"}"#).errorMessage
                    == "room id is invalid")
            let unknownRoom = "0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f"
            #expect(
                try await client.send(.post, "/rooms/\(unknownRoom)/posts/draft", token: token, json: #"{"persona_id":"\#(persona)"}"#).errorMessage
                    == "room not found")
            #expect(
                try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(unknownRoom)"}"#).errorMessage
                    == "persona not found")
            let draft = try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(persona)"}"#)
            let id = try #require(draft.jsonObject?["id"] as? String)
            let profane = try await client.send(.post, "/posts/\(id)/approve", token: token, json: #"{"content":"what the shit"}"#)
            #expect(profane.errorMessage == "content failed profanity check")
            let spam = try await client.send(.post, "/posts/\(id)/approve", token: token, json: #"{"content":"http://a https://b www.c"}"#)
            #expect(spam.errorMessage == "content failed link spam check")
            let long = try await client.send(
                .post, "/posts/\(id)/approve", token: token, json: #"{"content":"\#(String(repeating: "x", count: 501))"}"#)
            #expect(long.errorMessage == "content exceeds max length")
            let unknown = try await client.send(.post, "/posts/\(id)/approve", token: token, json: #"{"text":"x"}"#)
            #expect(unknown.errorMessage == #"json: unknown field "text""#)
            #expect(try await client.send(.post, "/posts/\(unknownRoom)/approve", token: token).errorMessage == "post not found")
        }
    }

    @Test func previewQuotaIsEnforcedAndCountsOneEventPerCall() async throws {
        try await TestApp.withRouter(["DEFAULT_PREVIEW_QUOTA": "2"]) { client, _ in
            let (token, persona, room) = try await Self.setup(client)
            for n in 1...2 {
                let r = try await client.send(.post, "/personas/\(persona)/preview?room_id=\(room)", token: token, json: "{}")
                #expect(r.status == .ok)
                let drafts = try #require(r.jsonObject?["drafts"] as? [[String: Any]])
                #expect(drafts.count == 2)
                #expect(drafts.map { $0["label"] as? String } == ["AI Preview 1", "AI Preview 2"])
                #expect(drafts.allSatisfy { ($0["authored_by"] as? String) == "AI" && !(($0["content"] as? String) ?? "").isEmpty })
                #expect((r.jsonObject?["quota"] as? [String: Int]) == ["used": n, "limit": 2])
            }
            let third = try await client.send(.post, "/personas/\(persona)/preview?room_id=\(room)", token: token)
            #expect(third.status == .tooManyRequests)
            #expect(third.errorMessage == "daily preview quota reached")
            #expect(try await client.send(.post, "/personas/\(persona)/preview", token: token).errorMessage == "room_id is required")
            #expect(try await client.send(.post, "/personas/\(persona)/preview?room_id=zz", token: token).errorMessage == "room_id is invalid")
        }
    }

    /// The ten previews share the test pool's 4 connections on PostgreSQL (`TestApp.burstTimeouts`).
    @Test func concurrentPreviewsNeverOvershootTheQuota() async throws {
        try await TestApp.withRouter(TestApp.burstTimeouts.merging(["DEFAULT_PREVIEW_QUOTA": "3"]) { $1 }) { client, _ in
            let (token, persona, room) = try await Self.setup(client)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await client.send(.post, "/personas/\(persona)/preview?room_id=\(room)", token: token).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 3)
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 7)
        }
    }

    @Test func generateRepliesRulesAndThreadView() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, persona, room) = try await Self.setup(client)
            let post = try await Self.publishedPost(client, token: token, persona: persona, room: room)
            let draft = try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(persona)"}"#)
            let draftID = try #require(draft.jsonObject?["id"] as? String)
            #expect(
                try await client.send(.post, "/posts/\(draftID)/generate-replies", token: token).errorMessage
                    == "replies can be generated only for published posts")
            #expect(
                try await client.send(.post, "/posts/\(post)/generate-replies", token: token, json: #"{"persona_ids":["  "]}"#).errorMessage
                    == "persona_ids cannot be empty")
            let foreign = "0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f"
            #expect(
                try await client.send(.post, "/posts/\(post)/generate-replies", token: token, json: #"{"persona_ids":["\#(foreign)"]}"#).errorMessage
                    == "persona \(foreign) not found")
            let (stranger, _) = try await client.signup()
            #expect(try await client.send(.post, "/posts/\(post)/generate-replies", token: stranger).errorMessage == "no personas available")

            let enqueue = try await client.send(
                .post, "/posts/\(post)/generate-replies", token: token, json: #"{"persona_ids":["\#(persona)","\#(persona)"]}"#)
            #expect(enqueue.text == "{\"enqueued\":1,\"skipped\":0}\n" || enqueue.text == "{\"skipped\":0,\"enqueued\":1}\n")

            var replies: [[String: Any]] = []
            // The worker writes the reply in the background: wait for it, however long a loaded machine takes.
            _ = try await eventually {
                let thread = try await client.send(.get, "/b/\(post)", token: token)
                replies = thread.jsonObject?["replies"] as? [[String: Any]] ?? []
                return !replies.isEmpty
            }
            #expect(replies.count == 1)
            #expect(replies.first?["persona_name"] as? String == "Ada")
            #expect((replies.first?["content"] as? String)?.hasPrefix("Ada reply (calm): I agree") == true)
            let thread = try await client.send(.get, "/posts/\(post)/thread", token: stranger)
            #expect((thread.jsonObject?["ai_summary"] as? String)?.hasPrefix("Post focus: ") == true)
            for key in ["writing_samples", "do_not_say", "catchphrases", "daily_reply_quota", "user_id"] {
                #expect(!thread.text.contains("\"\(key)\""), "\(key) leaked into the thread view")
            }
            let again = try await client.send(.post, "/posts/\(post)/generate-replies", token: token)
            #expect(again.jsonObject?["skipped"] as? Int == 1)
        }
    }

    /// On PostgreSQL with the test pool of 4 connections: only the enqueues that started before the first one committed
    /// wait for the persona's row, the others see its job and answer at once (`PostgresEnqueueBurstTests` proves that
    /// without timing). Every request must get the contract's answer; the generous timeouts keep a starved machine's
    /// queue for the 4 connections from turning into 500s (`TestApp.burstTimeouts`).
    @Test func fiftyConcurrentEnqueuesMakeOneJobAndOneReply() async throws {
        try await TestApp.withRouter(TestApp.burstTimeouts.merging(["MOCK_LLM_LATENCY": "300ms"]) { $1 }) { client, dir in
            let (token, persona, room) = try await Self.setup(client)
            let post = try await Self.publishedPost(client, token: token, persona: persona, room: room)
            let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await client.send(.post, "/posts/\(post)/generate-replies", token: token, json: #"{"persona_ids":["\#(persona)"]}"#)
                    }
                }
                return try await group.reduce(into: [TestResponse]()) { $0.append($1) }
            }
            let results = responses.map { $0.jsonObject?["enqueued"] as? Int ?? -1 }
            let failures = responses.filter { $0.status != .ok }.map { "\($0.status.code) \($0.text)" }
            #expect(failures.isEmpty, "\(failures.count) of 50 failed: \(Set(failures))")
            #expect(results.reduce(0, +) == 1)
            #expect(results.filter { $0 == 0 }.count == 49)
            // No sleep to let a second reply appear: once the only job is finished, nothing else can write one.
            let database = try await TestDatabase.open(dir)
            let finished = try await eventually { try await database.int("SELECT COUNT(*) FROM jobs WHERE status = 'DONE'") == 1 }
            #expect(finished, "the job did not finish")
            #expect(try await database.int("SELECT COUNT(*) FROM jobs") == 1)
            #expect((try await client.send(.get, "/posts/\(post)/thread", token: token).jsonObject?["replies"] as? [Any])?.count == 1)
        }
    }
}
