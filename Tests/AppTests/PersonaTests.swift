import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// `/personas` routes including ownership and anti-leak rules.
@Suite struct PersonaTests {
    @Test func createStoresNormalisedValuesAndDefaults() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            let json =
                #"{"name":"  Ada  ","bio":" b ","tone":" t ","writing_samples":[" one ","","two","three "],"do_not_say":[" ", "no"],"catchphrases":[],"preferred_language":" EN ","formality":3,"daily_draft_quota":0,"daily_reply_quota":0}"#
            let r = try await client.send(.post, "/personas", token: token, json: json)
            #expect(r.status == .created)
            let p = try #require(r.jsonObject)
            #expect(p["name"] as? String == "Ada")
            #expect(p["bio"] as? String == "b")
            #expect(p["writing_samples"] as? [String] == ["one", "two", "three"])
            #expect(p["do_not_say"] as? [String] == ["no"])
            #expect(p["catchphrases"] as? [String] == [])
            #expect(p["preferred_language"] as? String == "en")
            #expect(p["daily_draft_quota"] as? Int == 5)
            #expect(p["daily_reply_quota"] as? Int == 25)
            #expect((p["id"] as? String)?.count == 36)
            #expect((p["created_at"] as? String)?.hasSuffix("Z") == true)
        }
    }

    @Test func validationMessagesFollowContractOrder() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            let long180 = String(repeating: "é", count: 181)
            let cases: [(String, String)] = [
                (#"{"name":"  "}"#, "name is required"),
                (#"{"name":"a","writing_samples":["1","2"]}"#, "writing_samples must contain exactly 3 short examples"),
                (#"{"name":"a","writing_samples":["1","2","\#(long180)"]}"#, "writing_samples items must be <= 180 chars"),
                (
                    #"{"name":"a","writing_samples":["1","2","3"],"do_not_say":["\#(String(repeating: "x", count: 121))"]}"#,
                    "do_not_say items must be <= 120 chars"
                ),
                (
                    #"{"name":"a","writing_samples":["1","2","3"],"catchphrases":["\#(String(repeating: "x", count: 81))"]}"#,
                    "catchphrases items must be <= 80 chars"
                ),
                (#"{"name":"a","writing_samples":["1","2","3"],"preferred_language":"de"}"#, "preferred_language must be tr or en"),
                (#"{"name":"a","writing_samples":["1","2","3"],"preferred_language":"tr","formality":4}"#, "formality must be between 0 and 3"),
            ]
            for (json, message) in cases {
                let r = try await client.send(.post, "/personas", token: token, json: json)
                #expect(r.status == .badRequest, "\(json)")
                #expect(r.errorMessage == message, "\(json)")
            }
        }
    }

    @Test func everyFieldAndQuotaIsBoundedWithTheDecisionsMessages() async throws {
        try await TestApp.withRouter(["MAX_DAILY_QUOTA": "300"], runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let twentyOne = (1...21).map { #""i\#($0)""# }.joined(separator: ",")
            let cases: [(String, String)] = [
                (#""name":"\#(String(repeating: "n", count: 81))""#, "name must be <= 80 chars"),
                (#""name":"a","tone":"\#(String(repeating: "t", count: 81))""#, "tone must be <= 80 chars"),
                (#""name":"a","bio":"\#(String(repeating: "b", count: 1001))""#, "bio must be <= 1000 chars"),
                (#""name":"a","do_not_say":[\#(twentyOne)]"#, "do_not_say must have at most 20 items"),
                (#""name":"a","catchphrases":[\#(twentyOne)]"#, "catchphrases must have at most 20 items"),
                (#""name":"a","daily_draft_quota":301"#, "daily_draft_quota must be between 0 and 300"),
                (#""name":"a","daily_reply_quota":-1"#, "daily_reply_quota must be between 0 and 300"),
                (#""name":"a","daily_reply_quota":9223372036854775807"#, "daily_reply_quota must be between 0 and 300"),
            ]
            let persona = try await client.createPersona(token: token)
            for (fields, message) in cases {
                let json = #"{"writing_samples":["1","2","3"],"preferred_language":"en",\#(fields)}"#
                let created = try await client.send(.post, "/personas", token: token, json: json)
                #expect(created.status == .badRequest && created.errorMessage == message, "POST \(fields.prefix(60)): \(created.text)")
                let updated = try await client.send(.put, "/personas/\(persona)", token: token, json: json)
                #expect(updated.status == .badRequest && updated.errorMessage == message, "PUT \(fields.prefix(60)): \(updated.text)")
            }
            let atTheLimits =
                #"{"name":"\#(String(repeating: "ş", count: 80))","bio":"\#(String(repeating: "b", count: 1000))","writing_samples":["1","2","3"],"preferred_language":"en","daily_draft_quota":300,"daily_reply_quota":300}"#
            #expect(try await client.send(.post, "/personas", token: token, json: atTheLimits).status == .created)
            let longProfileBio = try await client.send(
                .post, "/personas/\(persona)/publish-profile", token: token, json: #"{"bio":"\#(String(repeating: "b", count: 1001))"}"#)
            #expect(longProfileBio.status == .badRequest && longProfileBio.errorMessage == "bio must be <= 1000 chars")
        }
    }

    @Test func listGetUpdateDeleteLifecycle() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            let first = try await client.createPersona(token: token, name: "First")
            let second = try await client.createPersona(token: token, name: "Second")
            let list = try await client.send(.get, "/personas", token: token)
            let names = (list.jsonObject?["personas"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["Second", "First"])

            let upper = try await client.send(.get, "/personas/\(first.uppercased())", token: token)
            #expect(upper.status == .ok)
            #expect(upper.jsonObject?["id"] as? String == first)

            let zeroQuota = try await client.send(
                .put, "/personas/\(first)", token: token,
                json: TestJSON.persona(name: "Renamed", extra: #","daily_draft_quota":0"#))
            #expect(zeroQuota.errorMessage == "quotas must be positive")
            let updated = try await client.send(
                .put, "/personas/\(first)", token: token,
                json: TestJSON.persona(name: "Renamed", extra: #","daily_draft_quota":2,"daily_reply_quota":3"#))
            #expect(updated.status == .ok)
            #expect(updated.jsonObject?["name"] as? String == "Renamed")
            #expect(updated.jsonObject?["daily_reply_quota"] as? Int == 3)

            let deleted = try await client.send(.delete, "/personas/\(second)", token: token)
            #expect(deleted.text == "{\"deleted\":true}\n")
            #expect(try await client.send(.get, "/personas/\(second)", token: token).status == .notFound)
            #expect(try await client.send(.delete, "/personas/\(second)", token: token).errorMessage == "persona not found")
        }
    }

    @Test func anotherUsersPersonaIsNotFoundEverywhere() async throws {
        try await TestApp.withRouter { client, _ in
            let (owner, _) = try await client.signup()
            let (intruder, _) = try await client.signup()
            let id = try await client.createPersona(token: owner)
            #expect(try await client.send(.get, "/personas/\(id)", token: intruder).errorMessage == "persona not found")
            #expect(
                try await client.send(
                    .put, "/personas/\(id)", token: intruder, json: TestJSON.persona(extra: #","daily_draft_quota":1,"daily_reply_quota":1"#)
                ).status == .notFound)
            #expect(try await client.send(.delete, "/personas/\(id)", token: intruder).status == .notFound)
            #expect(try await client.send(.post, "/personas/\(id)/publish-profile", token: intruder).status == .notFound)
            #expect(try await client.send(.post, "/personas/\(id)/unpublish-profile", token: intruder).status == .notFound)
            let list = try await client.send(.get, "/personas", token: intruder)
            #expect((list.jsonObject?["personas"] as? [Any])?.isEmpty == true)
            #expect(try await client.send(.get, "/personas/\(id)", token: owner).status == .ok)
        }
    }

    @Test func theUsersPersonaCapIsA409WhileOthersCanStillCreateAndADeleteFreesASlot() async throws {
        try await TestApp.withRouter(["MAX_PERSONAS_PER_USER": "2"]) { client, _ in
            let (full, _) = try await client.signup()
            let (other, _) = try await client.signup()
            let first = try await client.createPersona(token: full)
            _ = try await client.createPersona(token: full)
            let refused = try await client.send(.post, "/personas", token: full, json: TestJSON.persona())
            #expect(refused.status == .conflict)
            #expect(refused.errorMessage == "persona limit reached")
            let list = try await client.send(.get, "/personas", token: full)
            #expect((list.jsonObject?["personas"] as? [Any])?.count == 2, "the refused create stored nothing")
            #expect(try await client.send(.post, "/personas", token: other, json: TestJSON.persona()).status == .created)
            #expect(try await client.send(.delete, "/personas/\(first)", token: full).status == .ok)
            #expect(try await client.send(.post, "/personas", token: full, json: TestJSON.persona()).status == .created)
        }
    }

    @Test func badIdsAre400WithLabels() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            let bad = [
                "not-a-uuid", "00000000-0000-0000-0000-000000000000", "0190f5c4-8c1a-7b3e-9c2d-1a2b3c4d5e6f",
                "0b7c0f5e-1d2a-4c3b-7e8f-0a1b2c3d4e5f", "%20",
            ]
            for id in bad {
                let r = try await client.send(.get, "/personas/\(id)", token: token)
                #expect(r.status == .badRequest, "\(id)")
                #expect(r.errorMessage == (id == "%20" ? "persona id is required" : "persona id is invalid"), "\(id)")
            }
        }
    }

    @Test func publishAllocatesUniqueSlugsAndUnpublishHides() async throws {
        try await TestApp.withRouter(["FRONTEND_ORIGIN": "https://pw.example/"]) { client, _ in
            let (token, _) = try await client.signup()
            let a = try await client.createPersona(token: token, name: "QA Persona")
            let b = try await client.createPersona(token: token, name: "QA Persona")
            let pa = try await client.send(.post, "/personas/\(a)/publish-profile", token: token)
            #expect(pa.status == .ok)
            #expect(pa.jsonObject?["slug"] as? String == "qa-persona")
            #expect(pa.jsonObject?["share_url"] as? String == "https://pw.example/p/qa-persona")
            #expect(pa.jsonObject?["bio"] as? String == "A bio")
            #expect(pa.jsonObject?["is_public"] as? Bool == true)
            let pb = try await client.send(.post, "/personas/\(b)/publish-profile", token: token, json: "{}")
            #expect(pb.jsonObject?["slug"] as? String == "qa-persona-2")
            let again = try await client.send(.post, "/personas/\(a)/publish-profile", token: token, json: #"{"bio":" New bio "}"#)
            #expect(again.jsonObject?["slug"] as? String == "qa-persona")
            #expect(again.jsonObject?["bio"] as? String == "New bio")
            #expect(again.jsonObject?["created_at"] as? String == pa.jsonObject?["created_at"] as? String)
            let custom = try await client.send(.post, "/personas/\(b)/publish-profile", token: token, json: #"{"slug":"My Cool_Slug!"}"#)
            #expect(custom.jsonObject?["slug"] as? String == "my-cool-slug")
            let invalid = try await client.send(.post, "/personas/\(b)/publish-profile", token: token, json: #"{"slug":"!!!"}"#)
            #expect(invalid.errorMessage == "slug must contain only letters, numbers, spaces, hyphen or underscore")
            let unknown = try await client.send(.post, "/personas/\(b)/publish-profile", token: token, json: #"{"public":true}"#)
            #expect(unknown.errorMessage == #"json: unknown field "public""#)

            let hidden = try await client.send(.post, "/personas/\(a)/unpublish-profile", token: token, json: "ignored {")
            #expect(hidden.status == .ok)
            #expect(hidden.jsonObject?["is_public"] as? Bool == false)
            #expect(hidden.jsonObject?["slug"] as? String == "qa-persona")
            #expect(hidden.jsonObject?["bio"] == nil)
            let c = try await client.createPersona(token: token, name: "Never")
            let never = try await client.send(.post, "/personas/\(c)/unpublish-profile", token: token)
            #expect(never.jsonObject?["slug"] as? String == "")
            #expect(never.jsonObject?["share_url"] as? String == "")
        }
    }

    @Test func longSlugsStayWithin64BytesWithSuffix() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, _) = try await client.signup()
            let name = String(repeating: "abcdefghij", count: 8)
            let a = try await client.createPersona(token: token, name: name)
            let b = try await client.createPersona(token: token, name: name)
            _ = try await client.send(.post, "/personas/\(a)/publish-profile", token: token)
            let second = try await client.send(.post, "/personas/\(b)/publish-profile", token: token)
            let slug = try #require(second.jsonObject?["slug"] as? String)
            #expect(slug.utf8.count <= 64)
            #expect(slug.hasSuffix("-2"))
        }
    }
}
