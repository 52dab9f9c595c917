import Foundation
import TestSupport
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The login throttle on the real binary, with clients told apart by `X-Forwarded-For` from a trusted proxy.
@Suite struct LoginThrottleProcessTests {
    /// `POST /auth/login` as the client at `address` (forwarded by the loopback proxy the server trusts).
    static func login(_ server: ServerProcess, from address: String, password: String) async throws -> Int {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/auth/login")!)
        request.httpMethod = "POST"
        request.timeoutInterval = 30
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(address, forHTTPHeaderField: "X-Forwarded-For")
        request.httpBody = Data(#"{"email":"owner@example.com","password":"\#(password)"}"#.utf8)
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    @Test func aStrangerHammeringAnAccountIsThrottledButCannotLockTheOwnerOut() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(
            directory: dir, environment: ["TRUSTED_PROXIES": "127.0.0.1/32, ::1", "RATE_LIMIT_LOGIN_FAILURES_PER_MIN": "3"])
        let signup = try await server.request("POST", "/auth/signup", json: #"{"email":"owner@example.com","password":"owner-password"}"#)
        #expect(signup.status == 201)
        var stranger: [Int] = []
        for n in 0..<6 { stranger.append(try await Self.login(server, from: "203.0.113.9", password: "guess-\(n)")) }
        #expect(stranger == [401, 401, 401, 429, 429, 429], "the stranger's address is throttled after three failures")
        #expect(try await Self.login(server, from: "198.51.100.7", password: "owner-password") == 200, "the owner elsewhere still logs in")
        #expect(try await Self.login(server, from: "203.0.113.9", password: "owner-password") == 429, "the stranger's address stays throttled")
        #expect(await server.stop() == 0)
    }
}
