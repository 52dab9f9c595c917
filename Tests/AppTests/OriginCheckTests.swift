import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// The same-site check of forms and cookie-authenticated writes: `Origin: null` is cross-site, and an origin
/// must match this site's scheme, host and port exactly (issue 14, item 10).
@Suite struct OriginCheckTests {
    static let loginBody = "email=victim%40example.com&password=password123"

    @Test func aLoginOrSignupFormPostedWithOriginNullIsRefused() async throws {
        try await TestApp.withRouter { client, _ in
            _ = try await client.signup("victim@example.com")
            let login = try await client.form(.post, "/login", Self.loginBody, headers: [.origin: "null"])
            #expect(login.status == .forbidden)
            #expect(login.header("Set-Cookie") == nil)
            let signup = try await client.form(.post, "/signup", "email=planted%40example.com&password=password123", headers: [.origin: "null"])
            #expect(signup.status == .forbidden)
            #expect(signup.header("Set-Cookie") == nil)
            let planted = try await client.send(.post, "/auth/login", json: #"{"email":"planted@example.com","password":"password123"}"#)
            #expect(planted.status == .unauthorized, "no account was created")
        }
    }

    @Test func theFrontendOriginMustMatchInSchemeHostAndPort() async throws {
        try await TestApp.withRouter(["FRONTEND_ORIGIN": "https://pw.example/"]) { client, _ in
            _ = try await client.signup("victim@example.com")
            for origin in [
                "http://pw.example", "https://pw.example:8443", "https://pw.example.evil.example", "https://evil.example", "null", "pw.example",
            ] {
                let response = try await client.form(.post, "/login", Self.loginBody, headers: [.origin: origin])
                #expect(response.status == .forbidden, "Origin: \(origin)")
                #expect(response.header("Set-Cookie") == nil, "Origin: \(origin)")
            }
            for origin in ["https://pw.example", "https://PW.Example:443"] {
                let response = try await client.form(.post, "/login", Self.loginBody, headers: [.origin: origin])
                #expect(response.status == .seeOther, "Origin: \(origin)")
            }
            // No Origin at all (a non-browser client) still passes; the session's CSRF token guards the API.
            #expect(try await client.form(.post, "/login", Self.loginBody).status == .seeOther)
        }
    }

    @Test func aCookieAuthenticatedWriteWithOriginNullIsRefused() async throws {
        try await TestApp.withRouter { client, _ in
            let browser = try await BrowserSession.signup(client)
            let forged = try await client.send(.post, "/personas", json: TestJSON.persona(), headers: browser.headers(extra: [.origin: "null"]))
            #expect(forged.status == .forbidden)
            #expect(forged.errorMessage == "invalid csrf token")
            let real = try await client.send(
                .post, "/personas", json: TestJSON.persona(), headers: browser.headers(extra: [.origin: "http://localhost:3000"]))
            #expect(real.status == .created)
        }
    }

    @Test func theOriginARequestAddressesDirectlyIsThisSiteWithTheConfiguredScheme() async throws {
        // Live: the request's Host is `localhost` (no port), the server's address as the client named it.
        try await TestApp.withRouter(["FRONTEND_ORIGIN": "https://pw.example"], live: true) { client, _ in
            _ = try await client.signup("victim@example.com")
            #expect(try await client.form(.post, "/login", Self.loginBody, headers: [.origin: "http://localhost"]).status == .seeOther)
            #expect(try await client.form(.post, "/login", Self.loginBody, headers: [.origin: "https://localhost"]).status == .forbidden)
            #expect(try await client.form(.post, "/login", Self.loginBody, headers: [.origin: "http://localhost:8080"]).status == .forbidden)
        }
        // With secure cookies the site is reached over HTTPS.
        try await TestApp.withRouter(["FRONTEND_ORIGIN": "https://pw.example", "SECURE_COOKIES": "true"], live: true) { client, _ in
            _ = try await client.signup("victim@example.com")
            #expect(try await client.form(.post, "/login", Self.loginBody, headers: [.origin: "https://localhost"]).status == .seeOther)
            #expect(try await client.form(.post, "/login", Self.loginBody, headers: [.origin: "http://localhost"]).status == .forbidden)
        }
    }

    @Test func originsAndHostsParseStrictly() {
        #expect(WebOrigin("https://A.example") == WebOrigin("https://a.example:443"))
        #expect(WebOrigin("http://a.example") != WebOrigin("https://a.example"))
        #expect(WebOrigin("http://[::1]:8080")?.host == "::1")
        #expect(WebOrigin("https://a.example/path") == nil)
        #expect(WebOrigin("https://a.example/path", allowPath: true) == WebOrigin("https://a.example"))
        for bad in ["null", "file:///etc", "https://", "https://a.example:0", "https://a.example:99999", "https://u@a.example", "ftp://a.example"] {
            #expect(WebOrigin(bad) == nil, "\(bad)")
        }
        #expect(HostName("Example.COM.:8080") == HostName(name: "example.com", port: 8080))
        #expect(HostName("[::1]")?.isLoopback == true)
        #expect(HostName("127.9.9.9")?.isLoopback == true)
        #expect(HostName("app.localhost")?.isLoopback == true)
        #expect(HostName("localhost.evil.example")?.isLoopback == false)
        #expect(HostName("a b") == nil && HostName("") == nil && HostName("a.example:x") == nil)
    }
}
