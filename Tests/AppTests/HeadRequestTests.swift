import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// `HEAD` on a `GET` route is answered as the `GET` would be, without the body (issue 14, item 12).
@Suite struct HeadRequestTests {
    /// Headers that legitimately differ between two requests (canonical names are lower-case); a HEAD counts
    /// against the rate limit as the GET does.
    static let volatile: Set<String> = ["x-request-id", "date", "set-cookie", "ratelimit-remaining", "ratelimit-reset"]

    static func comparable(_ response: TestResponse) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for field in response.headers where !volatile.contains(field.name.canonicalName) {
            out[field.name.canonicalName, default: []].append(field.value)
        }
        return out
    }

    @Test func headOnEveryKindOfGetRouteMatchesTheGetWithoutABody() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let (token, _) = try await client.signup()
            let persona = try await client.createPersona(token: token, name: "Heady")
            let slug = try await client.publishProfile(token: token, persona: persona, slug: "heady")
            let room = try await client.firstRoom(token: token).id
            let battle = try #require(try await client.createBattle(token: token, room: room)["battle_id"] as? String)
            let browser = try await BrowserSession.signup(client)
            let html: HTTPFields = [.accept: BrowserSession.htmlAccept]
            var page = html
            page[.cookie] = browser.cookie
            let bearer: HTTPFields = [.authorization: "Bearer \(token)"]
            let cases: [(String, HTTPFields)] = [
                ("/healthz", [:]), ("/readyz", [:]), ("/templates", [:]), ("/rooms", bearer), ("/personas", bearer),
                ("/personas/\(persona)", bearer), ("/feed", bearer), ("/notifications?limit=5", bearer), ("/p/\(slug)", [:]),
                ("/p/\(slug)", html), ("/p/\(slug)/posts", [:]), ("/b/\(battle)/meta", [:]), ("/b/\(battle)/card.png", [:]),
                ("/b/\(battle)", html), ("/assets/app.css", [:]), ("/", html), ("/login", html), ("/app/personas", page),
                // Errors too: 401 without a token, 404 for an unknown id, 400 for a malformed one.
                ("/personas", [:]), ("/b/0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f/meta", [:]), ("/b/x/card.png", [:]),
            ]
            for (path, headers) in cases {
                let get = try await client.execute(uri: path, method: .get, headers: headers, body: nil)
                let head = try await client.execute(uri: path, method: .head, headers: headers, body: nil)
                #expect(head.status == get.status, "\(path)")
                #expect(head.body.readableBytes == 0, "HEAD \(path) has a body")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "HEAD \(path): Content-Length")
                let (a, b) = (Self.comparable(head), Self.comparable(get))
                #expect(
                    a == b,
                    "HEAD \(path): headers differ: \(Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.map { "\($0) \(a[$0] ?? []) vs \(b[$0] ?? [])" })"
                )
            }
        }
    }

    @Test func theRouteTableAllowsHeadWhereverGetIsAndNowhereElse() {
        let table = RouteTable()
        table.add(.get, "/personas/{id}")
        table.add(.put, "/personas/{id}")
        table.add(.post, "/auth/login")
        let persona = table.match(path: "/personas/42", method: .head)
        #expect(persona?.pattern == "/personas/{id}")
        #expect(persona?.allowed == [.get, .head, .put])
        let login = table.match(path: "/auth/login", method: .head)
        #expect(login?.pattern == nil && login?.allowed == [.post])
    }
}
