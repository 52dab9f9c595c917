import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// A browser as the pages see it: the session cookie and the page's CSRF token.
struct BrowserSession {
    let cookie: String
    let csrf: String

    static let htmlAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

    /// Signs up through the page form and reads the CSRF token from the next page.
    static func signup(
        _ client: any TestClientProtocol, email: String = "web-\(UUID().uuidString.prefix(8).lowercased())@example.com"
    )
        async throws -> BrowserSession
    {
        let response = try await client.form(.post, "/signup", "email=\(email)&password=password123&next=/app/personas")
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.header("Set-Cookie"))
        let cookie = String(setCookie.prefix(while: { $0 != ";" }))
        let page = try await client.page("/app/personas", cookie: cookie)
        let csrf = try #require(page.text.firstMatch(of: /name="csrf-token" content="([^"]+)"/)?.1)
        return BrowserSession(cookie: cookie, csrf: String(csrf))
    }

    func headers(csrf: Bool = true, extra: HTTPFields = [:]) -> HTTPFields {
        var fields = extra
        fields[.cookie] = cookie
        if csrf { fields[HTTPField.Name("X-CSRF-Token")!] = self.csrf }
        return fields
    }
}

extension TestClientProtocol {
    func page(_ uri: String, cookie: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.accept: BrowserSession.htmlAccept]
        if let cookie { headers[.cookie] = cookie }
        return try await execute(uri: uri, method: .get, headers: headers, body: nil)
    }

    func form(_ method: HTTPRequest.Method, _ uri: String, _ body: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        return try await execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body))
    }
}

@Suite struct WebSessionTests {
    @Test func signupSetsAnHttpOnlySameSiteSessionCookieAndNeverPutsTheTokenInTheURL() async throws {
        try await TestApp.withRouter { client, _ in
            let response = try await client.form(.post, "/signup", "email=cookie%40example.com&password=password123&next=%2Fp%2Fada")
            #expect(response.status == .seeOther)
            #expect(response.header("Location") == "/p/ada")
            let cookie = try #require(response.header("Set-Cookie"))
            #expect(cookie.hasPrefix("pw_session=ey"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))
        }
    }

    @Test func aReturnPathToAnotherSiteIsReplacedByThePersonasPage() async throws {
        try await TestApp.withRouter { client, _ in
            let response = try await client.form(.post, "/signup", "email=redir%40example.com&password=password123&next=%2F%2Fevil.example%2F")
            #expect(response.header("Location") == "/app/personas")
        }
    }

    @Test func aCrossSiteLoginPostIsRefused() async throws {
        try await TestApp.withRouter { client, _ in
            _ = try await client.signup("victim@example.com")
            let response = try await client.form(
                .post, "/login", "email=victim%40example.com&password=password123",
                headers: [.origin: "https://evil.example", HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(response.status == .forbidden)
            #expect(response.header("Set-Cookie") == nil)
            #expect(response.header("Content-Type") == "text/html; charset=utf-8")
        }
    }

    @Test func aWrongPasswordShowsTheFormAgainWithTheMessage() async throws {
        try await TestApp.withRouter { client, _ in
            _ = try await client.signup("wrong@example.com")
            let response = try await client.form(.post, "/login", "email=wrong%40example.com&password=nope-nope-nope")
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("role=\"alert\">Invalid credentials.</p>"))
            #expect(response.text.contains("value=\"wrong@example.com\""))
        }
    }

    @Test func aSignedInPageWithoutASessionReturnsToLogin() async throws {
        try await TestApp.withRouter { client, _ in
            let response = try await client.page("/app/personas?x=1")
            #expect(response.status == .seeOther)
            #expect(response.header("Location") == "/login?next=/app/personas%3Fx%3D1")
            let stale = try await client.page("/app/feed", cookie: "pw_session=not-a-token")
            #expect(stale.status == .seeOther)
            #expect(stale.header("Set-Cookie")?.contains("Max-Age=0") == true)
        }
    }

    @Test func logoutNeedsThePagesCSRFToken() async throws {
        try await TestApp.withRouter { client, _ in
            let browser = try await BrowserSession.signup(client)
            let forged = try await client.form(.post, "/logout", "csrf=forged", headers: [.cookie: browser.cookie])
            #expect(forged.status == .forbidden)
            let real = try await client.form(.post, "/logout", "csrf=\(browser.csrf)", headers: [.cookie: browser.cookie])
            #expect(real.status == .seeOther)
            #expect(real.header("Set-Cookie")?.contains("pw_session=;") == true)
        }
    }
}

@Suite struct CookieAPITests {
    @Test func theAPIAcceptsTheSessionCookieForReadsAndForWritesWithTheCSRFToken() async throws {
        try await TestApp.withRouter { client, _ in
            let browser = try await BrowserSession.signup(client)
            let read = try await client.send(.get, "/personas", headers: browser.headers(csrf: false))
            #expect(read.status == .ok)
            let noToken = try await client.send(.post, "/personas", json: TestJSON.persona(), headers: browser.headers(csrf: false))
            #expect(noToken.status == .forbidden)
            #expect(noToken.errorMessage == "invalid csrf token")
            var wrong = browser.headers(csrf: false)
            wrong[HTTPField.Name("X-CSRF-Token")!] = String(browser.csrf.reversed())
            #expect(try await client.send(.post, "/personas", json: TestJSON.persona(), headers: wrong).status == .forbidden)
            let crossSite = try await client.send(
                .post, "/personas", json: TestJSON.persona(),
                headers: browser.headers(extra: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]))
            #expect(crossSite.status == .forbidden)
            let otherOrigin = try await client.send(
                .post, "/personas", json: TestJSON.persona(),
                headers: browser.headers(extra: [.origin: "https://evil.example"]))
            #expect(otherOrigin.status == .forbidden)
            let listed = try await client.send(.get, "/personas", headers: browser.headers(csrf: false))
            #expect((listed.jsonObject?["personas"] as? [Any])?.isEmpty == true, "no refused write stored anything")
            let created = try await client.send(.post, "/personas", json: TestJSON.persona(), headers: browser.headers())
            #expect(created.status == .created)
        }
    }

    @Test func anotherSessionsTokenDoesNotPass() async throws {
        try await TestApp.withRouter { client, _ in
            let alice = try await BrowserSession.signup(client)
            let mallory = try await BrowserSession.signup(client)
            var headers = alice.headers(csrf: false)
            headers[HTTPField.Name("X-CSRF-Token")!] = mallory.csrf
            #expect(try await client.send(.post, "/personas", json: TestJSON.persona(), headers: headers).status == .forbidden)
        }
    }

    @Test func aForgedCrossSiteFollowActsAsAnAnonymousVisitor() async throws {
        try await TestApp.withRouter { client, _ in
            let owner = try await client.signup()
            let persona = try await client.createPersona(token: owner.token, name: "Followed")
            let slug = try await client.publishProfile(token: owner.token, persona: persona, slug: "followed")
            let browser = try await BrowserSession.signup(client)
            let forged = try await client.send(.post, "/p/\(slug)/follow", headers: browser.headers(csrf: false))
            #expect(forged.status == .unauthorized)
            #expect(forged.errorMessage == "signup_required")
            let real = try await client.send(.post, "/p/\(slug)/follow", headers: browser.headers())
            #expect(real.status == .ok)
            #expect(real.jsonObject?["followers"] as? Int == 1)
        }
    }

    @Test func requestsWithoutACookieStillGetTheContractsAnswers() async throws {
        try await TestApp.withRouter { client, _ in
            let missing = try await client.send(.get, "/personas")
            #expect(missing.status == .unauthorized)
            #expect(missing.errorMessage == "missing auth header")
        }
    }
}

@Suite struct ContentNegotiationTests {
    @Test func aBrowserGetsTheProfilePageAndAnAPIClientTheJSON() async throws {
        try await TestApp.withRouter { client, _ in
            let owner = try await client.signup()
            let persona = try await client.createPersona(token: owner.token, name: "Negotiated")
            let slug = try await client.publishProfile(token: owner.token, persona: persona, slug: "negotiated")
            let page = try await client.page("/p/\(slug)")
            #expect(page.status == .ok)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            #expect(page.text.contains("<h1 id=\"profile-name\">Negotiated</h1>"))
            #expect(page.headers[values: .vary].contains("Accept"))
            for accept in [nil, "*/*", "application/json"] as [String?] {
                var headers: HTTPFields = [:]
                if let accept { headers[.accept] = accept }
                let json = try await client.send(.get, "/p/\(slug)", headers: headers)
                #expect(json.status == .ok)
                #expect(json.header("Content-Type") == "application/json")
                #expect((json.jsonObject?["profile"] as? [String: Any])?["name"] as? String == "Negotiated")
                #expect(json.headers[values: .vary].contains("Accept"))
            }
            let trailing = try await client.page("/p/\(slug)/")
            #expect(trailing.header("Content-Type") == "text/html; charset=utf-8")
        }
    }

    @Test func aBrowserGetsThePublicBattlePageWithShareTagsWhileTheAPIStillNeedsAToken() async throws {
        try await TestApp.withRouter(["FRONTEND_ORIGIN": "https://pw.example"]) { client, _ in
            let owner = try await client.signup()
            _ = try await client.createPersona(token: owner.token, name: "One")
            let room = try await client.firstRoom(token: owner.token)
            let battle = try #require(try await client.createBattle(token: owner.token, room: room.id)["battle_id"] as? String)
            let page = try await client.page("/b/\(battle)")
            #expect(page.status == .ok)
            #expect(page.text.contains("<meta property=\"og:image\" content=\"https://pw.example/b/\(battle)/card.png\">"))
            #expect(page.text.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"))
            #expect(page.text.contains("<h1>Go vs Rust for services</h1>"))
            #expect(page.text.contains("href=\"https://pw.example/b/\(battle)\""))
            let api = try await client.send(.get, "/b/\(battle)")
            #expect(api.status == .unauthorized)
            #expect(api.errorMessage == "missing auth header")
            #expect(api.headers[values: .vary].contains("Accept"))
            let withToken = try await client.send(.get, "/b/\(battle)", token: owner.token)
            #expect(withToken.jsonObject?["post"] != nil)
        }
    }

    @Test func unknownProfilesAndBattlesGetANotFoundPage() async throws {
        try await TestApp.withRouter { client, _ in
            for path in ["/p/nobody-here", "/b/8d3c8f0e-0000-4000-8000-000000000000"] {
                let page = try await client.page(path)
                #expect(page.status == .notFound)
                #expect(page.text.contains("<h1>Not found</h1>"))
            }
            let badID = try await client.page("/b/not-a-uuid")
            #expect(badID.status == .badRequest)
            #expect(badID.text.contains("Battle id is invalid."))
        }
    }
}

@Suite struct PageRenderingTests {
    static let xss = "<script>alert(1)</script>"

    @Test func userWrittenTextIsEscapedOnEveryPageItAppearsOn() async throws {
        try await TestApp.withRouter { client, _ in
            let browser = try await BrowserSession.signup(client)
            let created = try await client.send(
                .post, "/personas", json: TestJSON.persona(name: #"<script>alert(1)</script>"#),
                headers: browser.headers())
            let id = try #require(created.jsonObject?["id"] as? String)
            _ = try await client.send(.post, "/personas", json: TestJSON.persona(name: "Second"), headers: browser.headers())
            let published = try await client.send(.post, "/personas/\(id)/publish-profile", json: #"{"slug":"xss"}"#, headers: browser.headers())
            #expect(published.status == .ok)
            for path in ["/app/personas", "/app/personas/\(id)", "/p/xss", "/app/battles/new"] {
                let page = try await client.page(path, cookie: browser.cookie)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.text.contains(Self.xss), "\(path) has the raw script")
                #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path) shows it as text")
            }
        }
    }

    @Test func everyPageHasTheStrictPolicyAndNoInlineScript() async throws {
        try await TestApp.withRouter { client, dir in
            let browser = try await BrowserSession.signup(client, email: "admin-web@example.com")
            try await TestApp.grantAdmin("admin-web@example.com", in: dir)
            for path in [
                "/", "/login", "/signup", "/app/personas", "/app/rooms", "/app/battles/new", "/app/templates", "/app/feed",
                "/app/notifications", "/app/digest", "/app/admin", "/app/account",
            ] {
                let page = try await client.page(path, cookie: browser.cookie)
                #expect(page.status == .ok, "\(path): \(page.status)")
                let policy = page.header("Content-Security-Policy") ?? ""
                #expect(policy.contains("script-src 'self'") && policy.contains("default-src 'none'") && !policy.contains("unsafe"), "\(path)")
                #expect(page.header("Cache-Control") == "no-store", "\(path)")
                #expect(
                    page.text.components(separatedBy: "<script").count - 1 == page.text.components(separatedBy: "<script src=\"/assets/").count - 1,
                    "\(path) has an inline script")
            }
        }
    }

    @Test func thePersonasPageShowsItsEmptyAndFullStates() async throws {
        try await TestApp.withRouter { client, _ in
            let browser = try await BrowserSession.signup(client)
            let empty = try await client.page("/app/personas", cookie: browser.cookie)
            #expect(empty.text.contains("No personas yet"))
            _ = try await client.send(.post, "/personas", json: TestJSON.persona(name: "Grace"), headers: browser.headers())
            let full = try await client.page("/app/personas", cookie: browser.cookie)
            #expect(!full.text.contains("No personas yet"))
            #expect(full.text.contains(">Grace</a>"))
            #expect(full.text.contains("Drafts today: 0 of"))
        }
    }

    @Test func notificationsFeedAndDigestsShowTheirEmptyStates() async throws {
        // No worker: its digest scheduler would write the new user's weekly digest if the machine is slow enough.
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let browser = try await BrowserSession.signup(client)
            #expect(try await client.page("/app/notifications", cookie: browser.cookie).text.contains("No notifications yet"))
            let feed = try await client.page("/app/feed", cookie: browser.cookie)
            #expect(feed.text.contains("<h1>Feed</h1>") && !feed.text.contains("Your latest battles"))
            // The worker may already have written an empty digest for the new user.
            let digest = try await client.page("/app/digest", cookie: browser.cookie).text
            #expect(digest.contains("No weekly digest yet") || digest.contains("Nothing stood out this week"))
            let battle = try await client.page("/app/battles/new", cookie: browser.cookie)
            #expect(battle.text.contains("A battle needs at least two of your personas"))
        }
    }

    @Test func errorStatesArePagesThatSayWhatHappened() async throws {
        try await TestApp.withRouter { client, _ in
            let browser = try await BrowserSession.signup(client)
            let missing = try await client.page("/app/personas/8d3c8f0e-0000-4000-8000-000000000000", cookie: browser.cookie)
            #expect(missing.status == .notFound)
            #expect(missing.text.contains("Persona not found."))
            let invalid = try await client.page("/app/posts/nope", cookie: browser.cookie)
            #expect(invalid.status == .badRequest)
            let admin = try await client.page("/app/admin", cookie: browser.cookie)
            #expect(admin.status == .forbidden)
            #expect(admin.text.contains("<h1>Not allowed</h1>"))
        }
    }

    @Test func theUnreadCountIsInTheNavigation() async throws {
        try await TestApp.withRouter { client, _ in
            let owner = try await BrowserSession.signup(client)
            let created = try await client.send(.post, "/personas", json: TestJSON.persona(name: "Popular"), headers: owner.headers())
            let id = try #require(created.jsonObject?["id"] as? String)
            _ = try await client.send(.post, "/personas/\(id)/publish-profile", json: #"{"slug":"popular"}"#, headers: owner.headers())
            let before = try await client.page("/app/personas", cookie: owner.cookie)
            #expect(!before.text.contains("data-unread"))
            let fan = try await client.signup()
            #expect(try await client.send(.post, "/p/popular/follow", token: fan.token).status == .ok)
            let after = try await client.page("/app/notifications", cookie: owner.cookie)
            #expect(after.text.contains("<span class=\"badge\" data-unread>1<span class=\"visually-hidden\"> unread</span></span>"))
            #expect(after.text.contains("New follower"))
        }
    }

    @Test func assetsAreServedWithLongCachingAndRevalidate() async throws {
        try await TestApp.withRouter { client, _ in
            let css = try await client.send(.get, "/assets/app.css")
            #expect(css.status == .ok)
            #expect(css.header("Content-Type") == "text/css; charset=utf-8")
            #expect(css.header("Cache-Control") == "public, max-age=31536000, immutable")
            let etag = try #require(css.header("ETag"))
            let again = try await client.send(.get, "/assets/app.css", headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(try await client.send(.get, "/assets/nope.js").status == .notFound)
        }
    }
}
