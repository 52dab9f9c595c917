import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Text that SQLite would store cut short (a NUL inside) is refused with a 400 naming the field, on every
/// text field of every route that stores text; nothing is stored.
@Suite struct StorableTextTests {
    static let nul = #"\u0000"#

    @Test func aNulInAnyStoredTextFieldIsA400NamingItAndStoresNothing() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let (token, _) = try await client.signup()
            let persona = try await client.createPersona(token: token)
            let room = try await client.firstRoom(token: token).id
            let draft = try #require(
                try await client.send(
                    .post, "/rooms/\(room)/posts/draft", token: token,
                    json: #"{"persona_id":"\#(persona)"}"#
                ).jsonObject?["id"] as? String)
            let n = Self.nul
            let personaBody = { (field: String, value: String) -> String in
                var fields = [
                    #""name":"Ada""#, #""bio":"b""#, #""tone":"t""#, #""writing_samples":["a","b","c"]"#,
                    #""do_not_say":["x"]"#, #""catchphrases":["y"]"#, #""preferred_language":"en""#,
                ]
                fields.removeAll { $0.hasPrefix("\"\(field)\"") }
                fields.append("\"\(field)\":\(value)")
                return "{" + fields.joined(separator: ",") + "}"
            }
            let cases: [(HTTPRequest.Method, String, String, String)] = [
                (.post, "/auth/signup", #"{"email":"a\#(n)b@example.com","password":"password123"}"#, "email"),
                (.post, "/auth/signup", #"{"email":"nul@example.com","password":"pass\#(n)word123"}"#, "password"),
                (.post, "/auth/signup", #"{"email":"nul2@example.com","password":"password123","share_slug":"s\#(n)"}"#, "share_slug"),
                (.post, "/personas", personaBody("name", #""Ada\#(n)Lovelace""#), "name"),
                (.post, "/personas", personaBody("name", #""\#(n)""#), "name"),
                (.post, "/personas", personaBody("bio", #""b\#(n)""#), "bio"),
                (.post, "/personas", personaBody("tone", #""t\#(n)""#), "tone"),
                (.post, "/personas", personaBody("writing_samples", #"["a","b\#(n)","c"]"#), "writing_samples"),
                (.post, "/personas", personaBody("do_not_say", #"["\#(n)"]"#), "do_not_say"),
                (.post, "/personas", personaBody("catchphrases", #"["c\#(n)"]"#), "catchphrases"),
                (.post, "/personas", personaBody("preferred_language", #""en\#(n)""#), "preferred_language"),
                (.put, "/personas/\(persona)", personaBody("name", #""A\#(n)""#), "name"),
                (.post, "/personas/\(persona)/publish-profile", #"{"slug":"ok","bio":"x\#(n)y"}"#, "bio"),
                (.post, "/personas/\(persona)/publish-profile", #"{"slug":"o\#(n)k"}"#, "slug"),
                (.post, "/posts/\(draft)/approve", #"{"content":"Hello\#(n)world"}"#, "content"),
                (.post, "/rooms/\(room)/battles", #"{"topic":"Go\#(n)Rust"}"#, "topic"),
                (.post, "/rooms/\(room)/battles", #"{"topic":"Go vs Rust","pro_style":"p\#(n)"}"#, "pro_style"),
                (.post, "/rooms/\(room)/battles", #"{"topic":"Go vs Rust","con_style":"c\#(n)"}"#, "con_style"),
                (.post, "/templates", #"{"name":"T\#(n)","prompt_rules":"r","turn_count":2,"word_limit":40}"#, "name"),
                (.post, "/templates", #"{"name":"T","prompt_rules":"r\#(n)","turn_count":2,"word_limit":40}"#, "prompt_rules"),
            ]
            let before = try await Self.counts(dir)
            for (method, path, body, field) in cases {
                let r = try await client.send(method, path, token: path.hasPrefix("/auth") ? nil : token, json: body)
                #expect(r.status == .badRequest, "\(path) \(field)")
                #expect(r.errorMessage == "\(field) must not contain NUL characters", "\(path) \(field): \(r.text)")
            }
            #expect(try await Self.counts(dir) == before, "nothing was stored")
            let stored = try await client.send(.get, "/personas/\(persona)", token: token)
            #expect(stored.jsonObject?["name"] as? String == "QA Persona")
            let unicode = try await client.send(.post, "/personas", token: token, json: personaBody("name", #""Ada\u00e9 \ud83d\ude00""#))
            #expect(unicode.jsonObject?["name"] as? String == "Adaé 😀", "other escapes are stored faithfully")
        }
    }

    static func counts(_ dir: TestDirectory) async throws -> [Int] {
        let database = try await TestDatabase.open(dir)
        var counts: [Int] = []
        for table in ["users", "personas", "posts", "templates", "persona_public_profiles"] {
            counts.append(try await database.int("SELECT COUNT(*) FROM \(table)") ?? 0)
        }
        return counts
    }
}
