import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

/// The cross-cutting HTTP pipeline every route shares.
@Suite struct PipelineTests {
    @Test func healthzAnswersOKWithSecurityHeadersAndRequestID() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(.get, "/healthz", headers: [HTTPField.Name("X-Request-Id")!: "abc-123"])
            #expect(r.status == .ok)
            #expect(r.text == "{\"ok\":true}\n")
            #expect(r.headers[.contentType] == "application/json")
            #expect(r.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            #expect(r.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(r.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(r.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(
                r.headers[HTTPField.Name("Content-Security-Policy")!]
                    == "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
            #expect(r.headers[HTTPField.Name("Permissions-Policy")!] == "geolocation=(), microphone=(), camera=()")
        }
    }

    @Test func generatedRequestIDHasHostCounterShape() async throws {
        try await TestApp.withRouter { client, _ in
            let id = try await client.send(.get, "/healthz").headers[HTTPField.Name("X-Request-Id")!] ?? ""
            #expect(id.contains("/"))
            #expect(id.split(separator: "-").last?.count == 6)
        }
    }

    @Test func readyzIsOKOnAMigratedDatabase() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(.get, "/readyz")
            #expect(r.status == .ok)
            #expect(r.jsonObject?["ok"] as? Bool == true)
        }
    }

    @Test func unknownPathIsPlainText404WithSecurityHeaders() async throws {
        try await TestApp.withRouter { client, _ in
            for path in ["/nope", "/personas/", "/rooms/", "/healthz/"] {
                let r = try await client.send(.get, path)
                #expect(r.status == .notFound, "\(path)")
                #expect(r.text == "404 page not found\n")
                #expect(r.headers[.contentType] == "text/plain; charset=utf-8")
                #expect(r.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            }
        }
    }

    @Test func wrongMethodIs405WithAllowAndEmptyBody() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(.delete, "/rooms")
            #expect(r.status == .methodNotAllowed)
            // HEAD is allowed wherever GET is (HeadRequestTests).
            #expect(r.headers[values: .allow] == ["GET", "HEAD"])
            #expect(r.body.readableBytes == 0)
            let head = try await client.send(.head, "/auth/login")
            #expect(head.status == .methodNotAllowed)
            #expect(head.headers[values: .allow] == ["POST"])
            let personas = try await client.send(.patch, "/personas/0b7c0f5e-1d2a-4c3b-9e8f-0a1b2c3d4e5f")
            #expect(personas.status == .methodNotAllowed)
            #expect(personas.headers[values: .allow].sorted() == ["DELETE", "GET", "HEAD", "PUT"])
        }
    }

    @Test func corsPreflightFromAllowedOriginGetsAllowHeaders() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(
                .options, "/personas",
                headers: [
                    .origin: "http://localhost:3000",
                    .accessControlRequestMethod: "post",
                    .accessControlRequestHeaders: "content-type, authorization",
                ])
            #expect(r.status == .ok)
            #expect(r.body.readableBytes == 0)
            #expect(r.headers[.accessControlAllowOrigin] == "http://localhost:3000")
            #expect(r.headers[.accessControlAllowMethods] == "POST")
            #expect(r.headers[.accessControlAllowHeaders] == "Content-Type, Authorization")
            // A derived default origin (the development frontend) is allowed, but never with credentials (CORSTests).
            #expect(r.headers[.accessControlAllowCredentials] == nil)
            #expect(r.headers[.accessControlMaxAge] == "300")
            #expect(r.headers[values: .vary].contains("Access-Control-Request-Method"))
        }
    }

    @Test func corsPreflightFromUnknownOriginIs200WithoutAllowHeaders() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(
                .options, "/anything",
                headers: [
                    .origin: "https://evil.example", .accessControlRequestMethod: "GET",
                ])
            #expect(r.status == .ok)
            #expect(r.headers[.accessControlAllowOrigin] == nil)
            #expect(r.headers[values: .vary].contains("Origin"))
        }
    }

    @Test func corsActualRequestEchoesAllowedOriginEvenOnErrors() async throws {
        try await TestApp.withRouter(["CORS_ALLOWED_ORIGINS": "https://*.example.com"]) { client, _ in
            let r = try await client.send(.get, "/personas", headers: [.origin: "https://app.example.com"])
            #expect(r.status == .unauthorized)
            #expect(r.headers[.accessControlAllowOrigin] == "https://app.example.com")
            #expect(r.headers[.accessControlAllowCredentials] == "true")
            let other = try await client.send(.get, "/healthz", headers: [.origin: "http://localhost:3000"])
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func optionsWithoutPreflightHeaderGoesToRouter() async throws {
        try await TestApp.withRouter { client, _ in
            let r = try await client.send(.options, "/healthz")
            #expect(r.status == .methodNotAllowed)
        }
    }

    @Test func metricsExposeRequestCountersAndAllFamilies() async throws {
        // Live: /metrics answers loopback peers only (METRICS_ALLOW), and the in-process router has no peer.
        try await TestApp.withRouter(live: true) { client, _ in
            _ = try await client.send(.get, "/healthz")
            _ = try await client.send(.get, "/nope")
            let r = try await client.send(.get, "/metrics")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = r.text
            #expect(text.contains(#"http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
            #expect(text.contains(#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#))
            for family in [
                "http_request_duration_seconds", "db_query_duration_seconds", "queue_depth",
                "rate_limit_events_total", "process_uptime_seconds", "process_start_time_seconds",
            ] {
                #expect(text.contains("# TYPE \(family) "), "\(family)")
            }
            #expect(text.contains("db_query_duration_seconds_count"))
        }
    }
}
