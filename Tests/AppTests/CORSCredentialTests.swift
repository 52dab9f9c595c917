import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// CORS credentials only for origins the operator listed (issue 14, item 11).
@Suite struct CORSCredentialTests {
    @Test func aDerivedDefaultOriginMayReadButNeverWithCredentials() async throws {
        try await TestApp.withRouter { client, _ in
            let actual = try await client.send(.get, "/healthz", headers: [.origin: "http://localhost:3000"])
            #expect(actual.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            #expect(actual.headers[.accessControlAllowCredentials] == nil)
            let preflight = try await client.send(
                .options, "/personas", headers: [.origin: "http://127.0.0.1:3000", .accessControlRequestMethod: "GET"])
            #expect(preflight.headers[.accessControlAllowOrigin] == "http://127.0.0.1:3000")
            #expect(preflight.headers[.accessControlAllowCredentials] == nil)
        }
    }

    @Test func aListedOriginGetsCredentialsAndTheWildcardNever() async throws {
        try await TestApp.withRouter(["CORS_ALLOWED_ORIGINS": "https://app.example"]) { client, _ in
            let listed = try await client.send(.get, "/healthz", headers: [.origin: "https://app.example"])
            #expect(listed.headers[.accessControlAllowCredentials] == "true")
            let dev = try await client.send(.get, "/healthz", headers: [.origin: "http://localhost:3000"])
            #expect(dev.headers[.accessControlAllowOrigin] == nil, "listing origins replaces the derived defaults")
        }
        try await TestApp.withRouter(["CORS_ALLOWED_ORIGINS": "*"]) { client, _ in
            let any = try await client.send(.get, "/healthz", headers: [.origin: "https://anyone.example"])
            #expect(any.headers[.accessControlAllowOrigin] == "*")
            #expect(any.headers[.accessControlAllowCredentials] == nil)
        }
    }
}
