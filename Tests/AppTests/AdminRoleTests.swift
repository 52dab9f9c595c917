import Foundation
import TestSupport
import Testing

/// The admin role is stored and set from the machine: `ADMIN_EMAILS` only bootstraps it at start for accounts that
/// already exist with exactly that (normalised) address, and signing up with a listed address grants nothing.
@Suite struct AdminRoleTests {
    @Test func adminEmailsGrantOnlyAccountsThatExistWhenTheServerStarts() async throws {
        let dir = TestDirectory()
        let (early, late) = ("boss@example.com", "later@example.com")
        let bossToken = try await TestApp.withRouter(runWorker: false, in: dir) { client, _ in
            try await client.signup(early).token
        }
        // Listed in any case and in NFD: normalised before it is compared, exactly.
        let listed = ["ADMIN_EMAILS": " BOSS@example.com ,later@example.com"]
        try await TestApp.withRouter(listed, runWorker: false, in: dir) { client, _ in
            #expect(try await client.send(.get, "/admin/analytics/summary", token: bossToken).status == .ok, "existed at start")
            let (lateToken, _) = try await client.signup(late)
            let denied = try await client.send(.get, "/admin/analytics/summary", token: lateToken)
            #expect(denied.status == .forbidden && denied.errorMessage == "forbidden", "signing up with a listed address grants nothing")
            let page = try await client.page("/app/admin", cookie: "pw_session=\(lateToken)")
            #expect(page.status == .forbidden)
        }
        try await TestApp.withRouter(listed, runWorker: false, in: dir) { client, _ in
            let login = #"{"email":"\#(late)","password":"password123"}"#
            let token = try #require(try await client.send(.post, "/auth/login", json: login).jsonObject?["token"] as? String)
            #expect(try await client.send(.get, "/admin/analytics/summary", token: token).status == .ok, "granted at the next start")
        }
    }

    @Test func unicodeEqualAddressesAreOneAccountAndOneAdmin() async throws {
        try await TestApp.withRouter(runWorker: false) { client, dir in
            let decomposed = "jose\u{0301}@example.com"
            let composed = "jos\u{00E9}@example.com"
            let (token, _) = try await client.signup(decomposed)
            let again = try await client.send(.post, "/auth/signup", json: #"{"email":"\#(composed)","password":"password123"}"#)
            #expect(again.status == .conflict && again.errorMessage == "email already registered")
            try await TestApp.grantAdmin(composed, in: dir)
            #expect(try await client.send(.get, "/admin/analytics/summary", token: token).status == .ok)
            let other = try await client.signup("jose@example.com")
            #expect(try await client.send(.get, "/admin/analytics/summary", token: other.token).status == .forbidden)
        }
    }
}
