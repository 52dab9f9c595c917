import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import TestSupport
import Testing

/// Signup, login and bearer-token verification (HS256 only, `exp` required, the user must still exist).
@Suite struct AuthTests {
    @Test func signupThenLoginReturnsTokensForTheSameUser() async throws {
        try await TestApp.withRouter { client, _ in
            let (token, user) = try await client.signup("  Mixed.Case@Example.COM ", password: "password123")
            #expect(!token.isEmpty)
            let login = try await client.send(.post, "/auth/login", json: #"{"email":"mixed.case@example.com","password":"password123"}"#)
            #expect(login.status == .ok)
            #expect(login.jsonObject?["user_id"] as? String == user)
            let rooms = try await client.send(.get, "/rooms", token: login.jsonObject?["token"] as? String)
            #expect(rooms.status == .ok)
        }
    }

    @Test func signupValidationMessages() async throws {
        try await TestApp.withRouter { client, _ in
            let noAt = try await client.send(.post, "/auth/signup", json: #"{"email":"nobody","password":"password123"}"#)
            #expect(noAt.status == .badRequest)
            #expect(noAt.errorMessage == "invalid email or password")
            let short = try await client.send(.post, "/auth/signup", json: #"{"email":"a@b.c","password":"1234567"}"#)
            #expect(short.errorMessage == "invalid email or password")
            let long = String(repeating: "p", count: 73)
            let tooLong = try await client.send(.post, "/auth/signup", json: #"{"email":"a@b.c","password":"\#(long)"}"#)
            #expect(tooLong.status == .badRequest)
            #expect(tooLong.errorMessage == "password must be at most 72 bytes")
            let exactly72 = try await client.send(.post, "/auth/signup", json: #"{"email":"ok@b.c","password":"\#(String(long.dropLast()))"}"#)
            #expect(exactly72.status == .created)
        }
    }

    @Test func signupRefusesMalformedEmailsAndBlankPasswords() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let long = String(repeating: "a", count: 60_000) + "@x.io"
            for email in ["@", "@@@", "a@b@c.d", "a@", "a@b..c", #"a\r\n@b.c"#, "<script>@x.io", #"zero\u200Bwidth@x.io"#, long] {
                let r = try await client.send(.post, "/auth/signup", json: #"{"email":"\#(email)","password":"password123"}"#)
                #expect(r.status == .badRequest && r.errorMessage == "invalid email or password", "\(email.prefix(40))")
            }
            let spaces = try await client.send(.post, "/auth/signup", json: #"{"email":"spaces@example.com","password":"        "}"#)
            #expect(spaces.status == .badRequest && spaces.errorMessage == "invalid email or password", "eight spaces are not a password")
        }
    }

    @Test func unicodeEqualEmailsAreOneAccount() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            let (_, user) = try await client.signup("JOSE\u{301}@example.com")
            let twin = try await client.send(.post, "/auth/signup", json: #"{"email":"jos\u00e9@example.com","password":"password123"}"#)
            #expect(twin.status == .conflict && twin.errorMessage == "email already registered")
            for spelling in [#"jos\u00e9@example.com"#, #"Jose\u0301@EXAMPLE.com"#] {
                let login = try await client.send(.post, "/auth/login", json: #"{"email":"\#(spelling)","password":"password123"}"#)
                #expect(login.status == .ok && login.jsonObject?["user_id"] as? String == user, "\(spelling)")
            }
        }
    }

    @Test func loginWithAMalformedEmailIsTheSignupRulesAnswer() async throws {
        try await TestApp.withRouter(runWorker: false) { client, _ in
            for email in ["@", "nobody", "a@b..c", "<script>@x.io"] {
                let r = try await client.send(.post, "/auth/login", json: #"{"email":"\#(email)","password":"password123"}"#)
                #expect(r.status == .badRequest && r.errorMessage == "invalid email or password", "\(email)")
            }
        }
    }

    @Test func duplicateSignupIs409EvenWhenConcurrent() async throws {
        try await TestApp.withRouter(TestApp.burstTimeouts) { client, _ in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await client.send(.post, "/auth/signup", json: #"{"email":"dup@example.com","password":"password123"}"#).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 7)
            let again = try await client.send(.post, "/auth/signup", json: #"{"email":"DUP@example.com","password":"password123"}"#)
            #expect(again.errorMessage == "email already registered")
        }
    }

    @Test func wrongPasswordOrUnknownEmailIsInvalidCredentials() async throws {
        try await TestApp.withRouter { client, _ in
            _ = try await client.signup("known@example.com")
            for body in [
                #"{"email":"known@example.com","password":"wrong-password"}"#,
                #"{"email":"unknown@example.com","password":"password123"}"#,
            ] {
                let r = try await client.send(.post, "/auth/login", json: body)
                #expect(r.status == .unauthorized)
                #expect(r.errorMessage == "invalid credentials")
            }
        }
    }

    @Test func authHeaderProblemsAre401WithContractMessages() async throws {
        try await TestApp.withRouter { client, _ in
            let missing = try await client.send(.get, "/personas")
            #expect(missing.status == .unauthorized)
            #expect(missing.errorMessage == "missing auth header")
            for header in ["Basic abc", "Bearer", "Token abc def", "Bearer a b"] {
                let r = try await client.send(.get, "/personas", headers: [.authorization: header])
                #expect(r.errorMessage == "invalid auth header", "\(header)")
            }
            let garbage = try await client.send(.get, "/personas", headers: [.authorization: "bearer not.a.jwt"])
            #expect(garbage.errorMessage == "invalid token")
        }
    }

    @Test func expiredTokenIsRejected() async throws {
        let clock = ManualClock()
        try await TestApp.withRouter(clock: clock) { client, _ in
            let (token, _) = try await client.signup()
            #expect(try await client.send(.get, "/personas", token: token).status == .ok)
            clock.advance(seconds: 24 * 3600 + 1)
            let r = try await client.send(.get, "/personas", token: token)
            #expect(r.status == .unauthorized)
            #expect(r.errorMessage == "invalid token")
        }
    }

    @Test func onlyHS256WithExpAndAnExistingUserIsAccepted() async throws {
        try await TestApp.withRouter { client, _ in
            let (issued, user) = try await client.signup()
            let session = try #require(Self.claim("sid", of: issued))
            let future = Date().addingTimeInterval(3600)
            let hs384 = JWTKeyCollection()
            await hs384.add(hmac: HMACKey(from: TestApp.secret), digestAlgorithm: .sha384)
            let token384 = try await hs384.sign(Claims(userID: user, exp: ExpirationClaim(value: future)))
            #expect(try await client.send(.get, "/personas", token: token384).errorMessage == "invalid token")

            let hs256 = JWTKeyCollection()
            await hs256.add(hmac: HMACKey(from: TestApp.secret), digestAlgorithm: .sha256)
            let good = try await hs256.sign(Claims(userID: user, sid: session, exp: ExpirationClaim(value: future)))
            #expect(try await client.send(.get, "/personas", token: good).status == .ok)
            // Every login token names a revocable session; one without (or with a session that is not the user's) is refused.
            let sessionless = try await hs256.sign(Claims(userID: user, exp: ExpirationClaim(value: future)))
            #expect(try await client.send(.get, "/personas", token: sessionless).errorMessage == "invalid token")
            let (_, other) = try await client.signup()
            let stolen = try await hs256.sign(Claims(userID: other, sid: session, exp: ExpirationClaim(value: future)))
            #expect(try await client.send(.get, "/personas", token: stolen).errorMessage == "invalid token")

            let noExp = try await hs256.sign(NoExpClaims(userID: user))
            #expect(try await client.send(.get, "/personas", token: noExp).errorMessage == "invalid token")

            let ghost = try await hs256.sign(
                Claims(userID: "6f1c2d3e-4b5a-4c6d-8e7f-8091a2b3c4d5", sid: session, exp: ExpirationClaim(value: future)))
            #expect(try await client.send(.get, "/personas", token: ghost).errorMessage == "invalid token")

            let noUser = try await hs256.sign(Claims(userID: "", sid: session, exp: ExpirationClaim(value: future)))
            #expect(try await client.send(.get, "/personas", token: noUser).errorMessage == "missing user")

            let otherKey = JWTKeyCollection()
            await otherKey.add(hmac: HMACKey(from: "another-secret-that-is-long-enough-0123-and-then-some-more-bytes"), digestAlgorithm: .sha256)
            let forged = try await otherKey.sign(Claims(userID: user, sid: session, exp: ExpirationClaim(value: future)))
            #expect(try await client.send(.get, "/personas", token: forged).errorMessage == "invalid token")
        }
    }

    /// A string claim of a compact JWS, read without verifying it.
    static func claim(_ name: String, of token: String) -> String? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return nil
        }
        return object[name] as? String
    }
}

private struct Claims: JWTPayload {
    var userID: String
    var sid: String?
    var exp: ExpirationClaim
    enum CodingKeys: String, CodingKey { case userID = "user_id", sid, exp }
    func verify(using algorithm: some JWTAlgorithm) throws {}
}

private struct NoExpClaims: JWTPayload {
    var userID: String
    enum CodingKeys: String, CodingKey { case userID = "user_id" }
    func verify(using algorithm: some JWTAlgorithm) throws {}
}
