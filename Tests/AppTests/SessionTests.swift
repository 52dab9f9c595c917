import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// Sessions end when the user says so (logout, log out everywhere) and when the account is gone, on every route.
@Suite struct SessionTests {
    @Test func logoutEndsTheSessionForPagesTheAPIAndBearerUse() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let browser = try await BrowserSession.signup(client)
            let token = String(browser.cookie.dropFirst("pw_session=".count))
            #expect(try await client.send(.get, "/personas", token: token).status == .ok, "the cookie's token is a bearer token")
            let out = try await client.form(.post, "/logout", "csrf=\(browser.csrf)", headers: [.cookie: browser.cookie])
            #expect(out.status == .seeOther)
            #expect(out.header("Set-Cookie")?.contains("Max-Age=0") == true)

            let page = try await client.page("/app/personas", cookie: browser.cookie)
            #expect(page.status == .seeOther && page.header("Location")?.hasPrefix("/login") == true, "the old cookie no longer loads pages")
            let write = try await client.send(.post, "/personas", json: TestJSON.persona(), headers: browser.headers())
            #expect(write.status == .unauthorized && write.errorMessage == "invalid token", "nor writes with the old CSRF token")
            let bearer = try await client.send(.get, "/personas", token: token)
            #expect(bearer.status == .unauthorized && bearer.errorMessage == "invalid token", "nor works as a bearer token")
        }
    }

    @Test func apiLogoutEndsOnlyThatSessionAndLogoutAllEndsEveryOne() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let email = "sessions-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let (first, _) = try await client.signup(email)
            let login = #"{"email":"\#(email)","password":"password123"}"#
            let tokens = try await (0..<3).asyncMap { _ in
                try #require(try await client.send(.post, "/auth/login", json: login).jsonObject?["token"] as? String)
            }
            #expect(try await client.send(.post, "/auth/logout", token: tokens[0]).status == .noContent)
            #expect(try await client.send(.get, "/personas", token: tokens[0]).status == .unauthorized)
            #expect(try await client.send(.get, "/personas", token: tokens[1]).status == .ok, "other sessions live on")

            let all = try await client.send(.post, "/auth/logout-all", token: tokens[1])
            #expect(all.status == .ok && all.jsonObject?["revoked"] as? Int == 3, "first, tokens[1] and tokens[2]")
            for token in [first, tokens[1], tokens[2]] {
                #expect(try await client.send(.get, "/personas", token: token).errorMessage == "invalid token")
            }
            #expect(try await client.send(.post, "/auth/logout").errorMessage == "missing auth header")
        }
    }

    @Test func logOutEverywhereOnTheAccountPageEndsEverySessionOfTheUser() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let email = "everywhere-\(UUID().uuidString.prefix(6).lowercased())@example.com"
            let browser = try await BrowserSession.signup(client, email: email)
            let phone = try #require(
                try await client.send(.post, "/auth/login", json: #"{"email":"\#(email)","password":"password123"}"#).jsonObject?["token"] as? String)
            let account = try await client.page("/app/account", cookie: browser.cookie)
            #expect(account.status == .ok && account.text.contains(email) && account.text.contains("Log out everywhere"))
            let forged = try await client.form(.post, "/logout/everywhere", "csrf=wrong", headers: [.cookie: browser.cookie])
            #expect(forged.status == .forbidden)
            #expect(try await client.send(.get, "/personas", token: phone).status == .ok, "a forged post ends nothing")

            let out = try await client.form(.post, "/logout/everywhere", "csrf=\(browser.csrf)", headers: [.cookie: browser.cookie])
            #expect(out.status == .seeOther && out.header("Location") == "/login")
            #expect(try await client.send(.get, "/personas", token: phone).errorMessage == "invalid token")
            #expect(try await client.page("/app/personas", cookie: browser.cookie).status == .seeOther)
        }
    }

    @Test func aDeletedUsersTokenIs401OnEveryRouteAndAWriteNever500s() async throws {
        let clock = ManualClock()
        try await TestApp.withRouter(clock: clock, runWorker: false) { client, dir in
            let (token, user) = try await client.signup()
            let persona = try await client.createPersona(token: token)
            #expect(try await client.send(.get, "/personas", token: token).status == .ok)
            try await TestDatabase.open(dir).execute("DELETE FROM users WHERE id = ?", [user])

            // Within the session cache's second a write that refers to the gone account is still 401, never a 500.
            let write = try await client.send(.post, "/personas", token: token, json: TestJSON.persona())
            #expect(write.status == .unauthorized && write.errorMessage == "invalid token", "\(write.status) \(write.text)")

            clock.advance(seconds: 2)
            for (method, path) in [
                (HTTPRequest.Method.get, "/personas"), (.get, "/personas/\(persona)"), (.get, "/feed"), (.get, "/notifications"),
                (.get, "/rooms"), (.post, "/templates"), (.get, "/digest/weekly"), (.post, "/notifications/read-all"),
            ] {
                let r = try await client.send(method, path, token: token, json: "{}")
                #expect(r.status == .unauthorized && r.errorMessage == "invalid token", "\(method) \(path): \(r.status)")
            }
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
