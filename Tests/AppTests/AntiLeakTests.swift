import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// No public response, card or meta page carries a persona's calibration fields, its owner, or account data.
@Suite struct AntiLeakTests {
    static let markers = ["MARK-SAMPLE-1", "MARK-SAMPLE-2", "MARK-SAMPLE-3", "MARK-DONOTSAY", "MARK-CATCH"]
    static let forbiddenKeys: Set<String> = [
        "writing_samples", "do_not_say", "catchphrases", "daily_draft_quota", "daily_reply_quota",
        "user_id", "email", "password_hash", "updated_at",
    ]

    static func keys(_ value: Any) -> Set<String> {
        if let object = value as? [String: Any] {
            return object.reduce(into: Set(object.keys)) { $0.formUnion(keys($1.value)) }
        }
        if let array = value as? [Any] { return array.reduce(into: Set<String>()) { $0.formUnion(keys($1)) } }
        return []
    }

    @Test func everyPublicRouteIsFreeOfCalibrationMarkersAndPrivateKeys() async throws {
        try await TestApp.withRouter(runWorker: true) { client, dir in
            let (token, userID) = try await client.signup("leak-owner@example.com")
            let persona = try await client.send(
                .post, "/personas", token: token,
                json: #"""
                    {"name":"Leaky","bio":"bio","tone":"dry","writing_samples":["MARK-SAMPLE-1","MARK-SAMPLE-2","MARK-SAMPLE-3"],
                     "do_not_say":["MARK-DONOTSAY"],"catchphrases":["MARK-CATCH"],"preferred_language":"en","formality":1}
                    """#)
            let personaID = try #require(persona.jsonObject?["id"] as? String)
            let slug = try await client.publishProfile(token: token, persona: personaID, slug: "leaky")
            let room = try await client.firstRoom(token: token).id
            let draft = try await client.send(.post, "/rooms/\(room)/posts/draft", token: token, json: #"{"persona_id":"\#(personaID)"}"#)
            let postID = try #require(draft.jsonObject?["id"] as? String)
            // The owner publishes their own words: the mock draft quotes a catchphrase, which is the owner's choice to publish.
            _ = try await client.send(.post, "/posts/\(postID)/approve", token: token, json: #"{"content":"A clean approved post."}"#)
            let battle = try #require(try await client.createBattle(token: token, room: room)["battle_id"] as? String)
            _ = try await client.waitForReplies(token: token, post: battle, count: 1)
            let hash = try await TestDatabase.open(dir).string("SELECT password_hash FROM users WHERE id = ?", [userID]) ?? "?"

            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/p/\(slug)"), (.get, "/p/\(slug)/posts"), (.get, "/b/\(battle)/meta"), (.get, "/b/\(postID)/meta"),
                (.post, "/battles/\(battle)/remix-intent"), (.post, "/battles/\(postID)/remix-intent"), (.get, "/templates"),
                (.get, "/b/\(battle)/card.png"), (.get, "/b/\(postID)/card.png"),
            ]
            for (method, path) in routes {
                for auth in [nil, token] {
                    let r = try await client.send(method, path, token: auth)
                    #expect(r.status == .ok, "\(path)")
                    let text = String(decoding: r.body.readableBytesView, as: UTF8.self)
                    for marker in Self.markers + ["leak-owner@example.com", hash] { #expect(!text.contains(marker), "\(marker) leaked on \(path)") }
                    if !path.hasSuffix(".png") {
                        let json = try JSONSerialization.jsonObject(with: Data(text.utf8))
                        let leaked = Self.keys(json).intersection(Self.forbiddenKeys)
                        #expect(leaked.isEmpty, "\(leaked) on \(path)")
                        #expect(!text.contains(userID) || path == "/templates", "owner id on \(path)")
                    }
                }
            }
            // The authenticated thread alias is not public, but it must not carry calibration either.
            let thread = try await client.send(.get, "/b/\(battle)", token: token)
            #expect(
                Self.keys(try JSONSerialization.jsonObject(with: Data(thread.text.utf8))).isDisjoint(with: [
                    "writing_samples", "do_not_say", "catchphrases",
                ]))
            #expect(!Self.markers.contains { thread.text.contains($0) })
        }
    }
}
