import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

extension BrowserSession {
    /// A plain HTML form post of this browser (no script): the session cookie and the page's CSRF token in
    /// the `csrf` field, as the pages' forms send it.
    func post(
        _ client: any TestClientProtocol, _ path: String, _ fields: [(String, String)] = [], csrf: Bool = true
    ) async throws
        -> TestResponse
    {
        var all = fields
        if csrf { all.insert(("csrf", self.csrf), at: 0) }
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await client.form(.post, path, body, headers: [.cookie: cookie])
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    static let persona: [(String, String)] = [
        ("name", "Form Persona"), ("bio", "Made without script"), ("tone", "calm"), ("writing_samples", "one"),
        ("writing_samples", "two"), ("writing_samples", "three"), ("do_not_say", "synergy\nleverage"), ("catchphrases", "Onward!"),
        ("preferred_language", "en"), ("formality", "1"), ("daily_draft_quota", "5"), ("daily_reply_quota", "5"),
    ]
}

/// The signed-in forms as plain HTML form posts (no JavaScript): CSRF-checked, answered with `303` to the
/// right page, errors shown in the form with the API's message.
@Suite struct WebFormTests {
    static func location(_ response: TestResponse) -> String { response.header("Location") ?? "" }

    @Test func personaFormsCreateEditPublishUnpublishAndDeleteWithRedirects() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let browser = try await BrowserSession.signup(client)
            let created = try await browser.post(client, "/app/personas", BrowserSession.persona)
            #expect(created.status == .seeOther)
            let path = Self.location(created)
            #expect(path.hasPrefix("/app/personas/") && path.count == "/app/personas/".count + 36)
            let id = String(path.dropFirst("/app/personas/".count))
            let api = try #require(try await client.send(.get, "/personas/\(id)", headers: browser.headers(csrf: false)).jsonObject)
            #expect(api["writing_samples"] as? [String] == ["one", "two", "three"])
            #expect(api["do_not_say"] as? [String] == ["synergy", "leverage"])
            #expect(api["daily_draft_quota"] as? Int == 5)

            var edited = BrowserSession.persona
            edited[2] = ("tone", "warm and precise")
            let updated = try await browser.post(client, path, edited)
            #expect(updated.status == .seeOther && Self.location(updated) == path)
            #expect(try await client.page(path, cookie: browser.cookie).text.contains("value=\"warm and precise\""))

            let published = try await browser.post(client, "\(path)/publish", [("slug", "form-made"), ("bio", "Public bio")])
            #expect(published.status == .seeOther && Self.location(published) == path)
            #expect(try await client.send(.get, "/p/form-made").status == .ok)
            let unpublished = try await browser.post(client, "\(path)/unpublish")
            #expect(unpublished.status == .seeOther && Self.location(unpublished) == path)
            #expect(try await client.send(.get, "/p/form-made").status == .notFound)

            let unconfirmed = try await browser.post(client, "\(path)/delete")
            #expect(unconfirmed.status == .badRequest)
            #expect(unconfirmed.text.contains("role=\"alert\">Tick the box to confirm the deletion.</p>"))
            let deleted = try await browser.post(client, "\(path)/delete", [("confirm", "on")])
            #expect(deleted.status == .seeOther && Self.location(deleted) == "/app/personas")
            #expect(try await client.page(path, cookie: browser.cookie).status == .notFound)
        }
    }

    @Test func draftApproveRepliesBattleAndTemplateFormsWorkWithoutScript() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let browser = try await BrowserSession.signup(client)
            var personas: [String] = []
            for name in ["First", "Second"] {
                var fields = BrowserSession.persona
                fields[0] = ("name", name)
                personas.append(String(Self.location(try await browser.post(client, "/app/personas", fields)).dropFirst("/app/personas/".count)))
            }
            let room = try await client.firstRoom(token: try #require(Self.token(browser)))

            let drafted = try await browser.post(client, "/app/rooms/\(room.id)/drafts", [("persona_id", personas[0])])
            #expect(drafted.status == .seeOther)
            let thread = Self.location(drafted)
            #expect(thread.hasPrefix("/app/posts/"))
            let approved = try await browser.post(client, "\(thread)/approve", [("content", "Shipped without a script.")])
            #expect(approved.status == .seeOther && Self.location(approved) == thread)
            let page = try await client.page(thread, cookie: browser.cookie).text
            #expect(page.contains("Shipped without a script.") && page.contains("Generate replies"))

            let queued = try await browser.post(client, "\(thread)/replies")
            #expect(queued.status == .seeOther)
            #expect(Self.location(queued) == "\(thread)?enqueued=2&skipped=0")
            let after = try await client.page(Self.location(queued), cookie: browser.cookie).text
            #expect(after.contains("role=\"status\">Writing 2 replies…</p>"))
            #expect(after.contains("Writing replies… 0 of 2 so far."))

            let previews = try await browser.post(client, "/app/rooms/\(room.id)/previews", [("persona_id", personas[1])])
            #expect(previews.status == .ok, "previews are not stored: the room page shows them")
            #expect(previews.text.contains("<strong>AI Preview 1</strong>") && previews.text.contains("Previews used today: 1 of"))

            let battle = try await browser.post(
                client, "/app/battles", [("room_id", room.id), ("topic", "Forms or fetch?"), ("pro_style", ""), ("con_style", "")])
            #expect(battle.status == .seeOther)
            let battleID = String(Self.location(battle).dropFirst("/b/".count))
            let meta = try await client.send(.get, "/b/\(battleID)/meta")
            #expect(meta.jsonObject?["topic"] as? String == "Forms or fetch?")

            let template = try await browser.post(
                client, "/app/templates",
                [("name", "No script rounds"), ("prompt_rules", "Short turns."), ("turn_count", "4"), ("word_limit", "80"), ("is_public", "on")])
            #expect(template.status == .seeOther && Self.location(template) == "/app/templates")
            let templates = try await client.page("/app/templates", cookie: browser.cookie).text
            #expect(templates.contains("No script rounds") && templates.contains("4 turns · 80 words per reply · public"))
        }
    }

    @Test func followAndNotificationFormsWorkWithoutScript() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let owner = try await BrowserSession.signup(client)
            let path = Self.location(try await owner.post(client, "/app/personas", BrowserSession.persona))
            _ = try await owner.post(client, "\(path)/publish", [("slug", "followable"), ("bio", "")])
            let fan = try await BrowserSession.signup(client)
            let followed = try await fan.post(client, "/app/follow/followable")
            #expect(followed.status == .seeOther && Self.location(followed) == "/p/followable?followed=1")
            let profile = try await client.page(Self.location(followed), cookie: fan.cookie).text
            #expect(profile.contains("<span data-followers>1 follower</span>") && profile.contains("You follow this persona."))
            let again = try await fan.post(client, "/app/follow/followable")
            #expect(Self.location(again) == "/p/followable?followed=0")

            let inbox = try await client.page("/app/notifications", cookie: owner.cookie).text
            let id = try #require(inbox.firstMatch(of: /action="\/app\/notifications\/(\d+)\/read"/)?.1)
            let read = try await owner.post(client, "/app/notifications/\(id)/read")
            #expect(read.status == .seeOther && Self.location(read) == "/app/notifications")
            #expect(!(try await client.page("/app/notifications", cookie: owner.cookie).text.contains("data-unread")))
            let all = try await owner.post(client, "/app/notifications/read-all")
            #expect(all.status == .seeOther && Self.location(all) == "/app/notifications")
        }
    }

    @Test func aFormPostWithoutTheTokenFromAnotherSiteOrWithoutASessionChangesNothing() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let browser = try await BrowserSession.signup(client)
            let missing = try await browser.post(client, "/app/personas", BrowserSession.persona, csrf: false)
            #expect(missing.status == .forbidden)
            #expect(missing.text.contains("Invalid csrf token."))
            var forged = BrowserSession.persona
            forged.insert(("csrf", "forged"), at: 0)
            #expect(try await browser.post(client, "/app/personas", forged, csrf: false).status == .forbidden)
            let body = "csrf=\(browser.csrf)&name=x"
            let crossSite = try await client.form(
                .post, "/app/personas", body, headers: [.cookie: browser.cookie, HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.status == .forbidden)
            let anonymous = try await client.form(.post, "/app/personas", body)
            #expect(anonymous.status == .seeOther && Self.location(anonymous) == "/login")
            let listed = try await client.send(.get, "/personas", headers: browser.headers(csrf: false))
            #expect((listed.jsonObject?["personas"] as? [Any])?.isEmpty == true, "no refused post stored anything")
        }
    }

    @Test func aRejectedFormIsShownAgainWithTheAPIsMessageAndWhatWasTyped() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let browser = try await BrowserSession.signup(client)
            let rejected = try await browser.post(client, "/app/personas", [("name", "Only <a name>")])
            #expect(rejected.status == .badRequest)
            #expect(rejected.text.contains("role=\"alert\">Writing samples must contain exactly 3 short examples.</p>"))
            #expect(rejected.text.contains("value=\"Only &lt;a name&gt;\""), "what was typed is kept, escaped")

            let quota = try await browser.post(client, "/app/personas", BrowserSession.persona.map { $0.0 == "formality" ? ($0.0, "high") : $0 })
            #expect(quota.status == .badRequest && quota.text.contains("Formality must be a whole number."))

            let template = try await browser.post(
                client, "/app/templates", [("name", "Bad"), ("prompt_rules", "x"), ("turn_count", "1"), ("word_limit", "80")])
            #expect(template.status == .badRequest)
            #expect(template.text.contains("role=\"alert\">Turn count must be between"))
            #expect(template.text.contains("value=\"Bad\""))

            for name in ["A", "B"] {
                var fields = BrowserSession.persona
                fields[0] = ("name", name)
                _ = try await browser.post(client, "/app/personas", fields)
            }
            let room = try await client.firstRoom(token: try #require(Self.token(browser)))
            let battle = try await browser.post(client, "/app/battles", [("room_id", room.id), ("topic", "ab")])
            #expect(battle.status == .badRequest)
            #expect(battle.text.contains("role=\"alert\">Topic must be at least 3 chars.</p>"))
            #expect(battle.text.contains("id=\"battle-topic\" name=\"topic\" required minlength=\"3\" maxlength=\"180\" value=\"ab\""))
        }
    }

    /// The session's API token: the cookie's value (the same JWT the API issues).
    static func token(_ browser: BrowserSession) -> String? {
        browser.cookie.split(separator: "=", maxSplits: 1).last.map(String.init)
    }
}
