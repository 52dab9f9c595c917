import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import TestSupport
import Testing

/// `GET /b/{id}/meta`, `POST /battles/{id}/remix-intent` and remixing through `POST /rooms/{id}/battles`.
@Suite struct RemixAndMetaTests {
    @Test func metaGivesTheTypedTopicWithoutPrefixTemplateOrRoomAndTheRoomAsItsOwnField() async throws {
        try await TestApp.withRouter(["FRONTEND_ORIGIN": "https://pw.example.com/"], runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let room = try await client.firstRoom(token: token)
            let battle = try await client.createBattle(token: token, room: room.id, json: #"{"topic":"Go vs Rust"}"#)
            let id = try #require(battle["battle_id"] as? String)
            let meta = try await client.send(.get, "/b/\(id.uppercased())/meta")
            #expect(meta.status == .ok)
            let m = try #require(meta.jsonObject)
            // DECISIONS 27: the topic line's text, not `Topic: Go vs Rust Template: … (room)`.
            #expect(m["topic"] as? String == "Go vs Rust")
            #expect(m["room_name"] as? String == room.name)
            #expect(m["share_url"] as? String == "https://pw.example.com/b/\(id)")
            #expect(m["card_url"] as? String == "/b/\(id)/card.png")
            #expect((m["created_at"] as? String)?.contains(".") == false, "second precision")
            #expect((m["template"] as? [String: Any])?["name"] as? String == "Claim/Evidence 6 turns")
            #expect(meta.header("Cache-Control") == "public, max-age=60, stale-while-revalidate=120")
            #expect(try await client.send(.get, "/b/nope/meta").errorMessage == "battle id is invalid")
            #expect(try await client.send(.get, "/b/0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f/meta").errorMessage == "battle not found")
        }
    }

    @Test func remixIntentTokenSeedsASingleBattleAndNotifiesTheSourceOwner() async throws {
        try await TestApp.withRouter(["SECURE_COOKIES": "true"], runWorker: false) { client, dir in
            let (author, authorID) = try await client.signup()
            let room = try await client.firstRoom(token: author)
            let source = try #require(try await client.createBattle(token: author, room: room.id)["battle_id"] as? String)
            let intent = try await client.send(.post, "/battles/\(source)/remix-intent", json: "ignored {")
            #expect(intent.status == .ok)
            let i = try #require(intent.jsonObject)
            #expect(i["pro_style"] as? String == "Bold, practical, concise")
            #expect(i["con_style"] as? String == "Skeptical, evidence-first, concise")
            #expect(i["target_create_route"] as? String == "/rooms/\(room.id)/battles")
            #expect(i["target_battle_source"] as? String == source)
            #expect((i["suggested_templates"] as? [[String: Any]])?.first?["name"] as? String == "Claim/Evidence 6 turns")
            #expect(i["topic"] as? String == "Go vs Rust for services", "the intent's topic has no prefix or room")
            let token = try #require(i["remix_token"] as? String)
            #expect(try Self.claims(token)["topic"] as? String == "Go vs Rust for services", "and neither has the token's")
            let cookie = try #require(intent.header("Set-Cookie"))
            #expect(cookie == "pw_remix_intent=\(token); Path=/; Max-Age=1800; HttpOnly; Secure; SameSite=Lax")

            let (remixer, _) = try await client.signup()
            let wrongRoom = try #require(
                (try await client.send(.get, "/rooms", token: remixer).jsonObject?["rooms"] as? [[String: Any]])?.last?["id"] as? String)
            #expect(
                try await client.send(.post, "/rooms/\(wrongRoom)/battles", token: remixer, json: #"{"remix_token":"\#(token)"}"#).errorMessage
                    == "remix_token does not match room")
            let remixed = try await client.send(.post, "/rooms/\(room.id)/battles", token: remixer, json: #"{"remix_token":"\#(token)"}"#)
            #expect(remixed.status == .created)
            #expect(remixed.jsonObject?["remix_used"] as? Bool == true)
            #expect(remixed.header("Set-Cookie") == "pw_remix_intent=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax")
            let content = (remixed.jsonObject?["post"] as? [String: Any])?["content"] as? String ?? ""
            #expect(content.hasPrefix("Topic: Go vs Rust for services\n"), "the topic comes from the token, prefixed once")
            #expect(!content.contains("Topic: Topic:"))
            #expect(content.contains("Pro style: Bold, practical, concise"))

            let replay = try await client.send(.post, "/rooms/\(room.id)/battles", token: remixer, json: #"{"remix_token":"\#(token)"}"#)
            #expect(replay.status == .badRequest && replay.errorMessage == "invalid remix_token", "a remix token is single use")

            let database = try await TestDatabase.open(dir)
            let notices = try await database.rows("SELECT user_id, type FROM notifications")
            let remixes = try await database.int("SELECT COUNT(*) FROM events WHERE event_name = 'remix_completed'") ?? 0
            #expect(notices.count == 1 && notices.first?["type"] == "battle_remixed" && notices.first?["user_id"] == authorID)
            #expect(remixes == 1)
        }
    }

    @Test func tamperedExpiredAndLoginKeySignedTokensAreRefused() async throws {
        let clock = ManualClock()
        try await TestApp.withRouter(clock: clock, runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let room = try await client.firstRoom(token: token)
            let source = try #require(try await client.createBattle(token: token, room: room.id)["battle_id"] as? String)
            let remix = try #require(try await client.send(.post, "/battles/\(source)/remix-intent").jsonObject?["remix_token"] as? String)
            func attempt(_ t: String) async throws -> String? {
                try await client.send(.post, "/rooms/\(room.id)/battles", token: token, json: #"{"remix_token":"\#(t)"}"#).errorMessage
            }
            var parts = remix.split(separator: ".").map(String.init)
            let payload = try #require(Data(base64URL: parts[1]))
            var claims = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            claims["topic"] = "A different topic"
            parts[1] = try JSONSerialization.data(withJSONObject: claims).base64URLEncoded()
            #expect(try await attempt(parts.joined(separator: ".")) == "invalid remix_token", "tampered payload")

            // The same claims signed with the login key: a valid JWT, but not a remix token.
            let loginKeys = JWTKeyCollection()
            await loginKeys.add(hmac: HMACKey(from: TestApp.secret), digestAlgorithm: .sha256)
            let forged = try await loginKeys.sign(
                ForgedRemix(
                    battleID: source, roomID: room.id, topic: "Forged", proStyle: "", conStyle: "",
                    templateID: "", iat: clock.now().unixSeconds, exp: clock.now().unixSeconds + 600,
                    typ: "remix_intent", jti: "x"))
            #expect(try await attempt(forged) == "invalid remix_token", "signed with the login key")
            #expect(try await attempt(token) == "invalid remix_token", "a login token is not a remix token")

            clock.advance(seconds: 1801)
            #expect(try await attempt(remix) == "invalid remix_token", "expired after 30 minutes")
        }
    }

    /// The claims of a JWT, read without verifying it (the test only inspects what the server signed).
    static func claims(_ token: String) throws -> [String: Any] {
        let parts = token.split(separator: ".")
        guard parts.count == 3, let data = Data(base64URL: String(parts[1])),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw TestFailure("unreadable JWT payload") }
        return object
    }

    @Test func aRemixOfARemixKeepsTheSameTopic() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let room = try await client.firstRoom(token: token)
            var battle = try #require(try await client.createBattle(token: token, room: room.id)["battle_id"] as? String)
            for _ in 0..<2 {
                let intent = try await client.send(.post, "/battles/\(battle)/remix-intent")
                let remixToken = try #require(intent.jsonObject?["remix_token"] as? String)
                #expect(intent.jsonObject?["topic"] as? String == "Go vs Rust for services")
                let remixed = try await client.send(
                    .post, "/rooms/\(room.id)/battles", token: token, json: #"{"remix_token":"\#(remixToken)"}"#)
                battle = try #require(remixed.jsonObject?["battle_id"] as? String)
                let meta = try await client.send(.get, "/b/\(battle)/meta")
                #expect(meta.jsonObject?["topic"] as? String == "Go vs Rust for services")
            }
        }
    }
}

struct ForgedRemix: JWTPayload {
    var battleID: String, roomID: String, topic: String, proStyle: String, conStyle: String, templateID: String
    var iat: Int64, exp: Int64, typ: String, jti: String

    enum CodingKeys: String, CodingKey {
        case battleID = "battle_id", roomID = "room_id", topic, proStyle = "pro_style", conStyle = "con_style"
        case templateID = "template_id", iat, exp, typ, jti
    }
    func verify(using algorithm: some JWTAlgorithm) throws {}
}

extension Data {
    init?(base64URL: String) {
        var b64 = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        self.init(base64Encoded: b64)
    }

    func base64URLEncoded() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
            of: "=", with: "")
    }
}
