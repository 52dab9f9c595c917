import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// `POST /events`: names, sanitised metadata, attribution, durability before the 202, and the IP limit.
@Suite struct EventRoutesTests {
    @Test func acceptedEventsAreStoredSanitisedAndAttributedBeforeThe202() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (token, user) = try await client.signup()
            let body =
                #"{"event_name":"  REMIX_CLICKED ","metadata":{" battle_id ":"  b-1  ","context":"dropped","message_id":"dropped","n":3,"ok":true,"nil":null,"empty":"  ","nested":{"a":{"b":{"c":{"d":"too deep"},"keep":"yes"}}}}}"#
            let r = try await client.send(.post, "/events", token: token, json: body)
            #expect(r.status == .accepted)
            #expect(r.text == "{\"ok\":true}\n")
            let rows = try await TestDatabase.open(dir).rows(
                "SELECT user_id, event_name, metadata FROM events WHERE event_name = 'remix_clicked'")
            #expect(rows.count == 1, "the 202 came after the commit, so the row is there")
            #expect(rows.first?["user_id"] == user)
            let metadata = try #require(
                try JSONSerialization.jsonObject(with: Data(((rows.first?["metadata"] ?? nil) ?? "").utf8)) as? [String: Any])
            #expect(metadata["battle_id"] as? String == "b-1")
            #expect(metadata["n"] as? Int == 3 && metadata["ok"] as? Bool == true)
            #expect(metadata["context"] == nil && metadata["message_id"] == nil && metadata["nil"] == nil && metadata["empty"] == nil)
            let nested = ((metadata["nested"] as? [String: Any])?["a"] as? [String: Any])?["b"] as? [String: Any]
            #expect(nested?["keep"] as? String == "yes" && nested?["c"] == nil, "depth 4 and below is dropped")

            let anonymous = try await client.send(
                .post, "/events", json: #"{"event_name":"daily_return"}"#,
                headers: [.authorization: "Bearer expired.or.bad"])
            #expect(anonymous.status == .accepted, "a bad token is anonymous, never an error")
        }
    }

    @Test func badEventsAre400s() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            try Task.checkCancellation() // makes the closure throwing; the #expect lines alone do not
            #expect(try await client.send(.post, "/events", json: #"{"event_name":"made_up"}"#).errorMessage == "unsupported event_name")
            #expect(try await client.send(.post, "/events", json: #"{"event_name":" "}"#).errorMessage == "unsupported event_name")
            let (token, _) = try await client.signup()
            for name in ["battle_created", "persona_created", "public_battle_viewed", "signup_from_share", "Post_Approved"] {
                let forged = try await client.send(.post, "/events", token: token, json: #"{"event_name":"\#(name)"}"#)
                #expect(forged.status == .badRequest && forged.errorMessage == "unsupported event_name", "only the server writes \(name)")
            }
            #expect(try await client.send(.post, "/events", json: #"{"event_name":"daily_return","metadata":[1]}"#).status == .badRequest)
            #expect(
                try await client.send(.post, "/events", json: #"{"event_name":"daily_return","x":1}"#).errorMessage == #"json: unknown field "x""#)
            #expect(
                try await client.send(.post, "/events", json: String(repeating: " ", count: 70_000) + "{}").errorMessage == "request body too large")
        }
    }

    @Test func anAnonymousFloodIsLimitedPerIP() async throws {
        try await TestApp.withRouter(["RATE_LIMIT_EVENTS_PER_MIN": "2"], runWorker: false) { client, _ in
            #expect(try await client.send(.post, "/events", json: #"{"event_name":"daily_return"}"#).header("RateLimit-Limit") == "2")
            _ = try await client.send(.post, "/events", json: #"{"event_name":"daily_return"}"#)
            let limited = try await client.send(.post, "/events", json: #"{"event_name":"daily_return"}"#)
            #expect(limited.status == .tooManyRequests && limited.errorMessage == "event rate limit exceeded" && limited.header("Retry-After") != nil)
        }
    }
}
