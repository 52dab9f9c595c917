import Foundation
import TestSupport
import Testing

/// The real binary: the production `Host` allow-list (DNS-rebinding defence), `/metrics` by socket peer, and
/// `HEAD` on the wire (issue 14, item 12).
@Suite(.serialized) struct HostAndMetricsProcessTests {
    static func get(_ port: Int, _ path: String, host: String, from source: String = "127.0.0.1", extra: String = "") -> HTTPReply? {
        LoopbackSocket.connect(port: port, from: source)?
            .exchange("GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(extra)Connection: close\r\n\r\n")
    }

    @Test func inProductionOnlyTheFrontendHostListedHostsAndLoopbackAreServed() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(
            directory: dir, environment: ["APP_ENV": "prod", "FRONTEND_ORIGIN": "https://pw.example", "ALLOWED_HOSTS": "box.lan"])
        let port = server.port
        for host in ["pw.example", "PW.EXAMPLE:443", "box.lan:\(port)", "localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)"] {
            #expect(Self.get(port, "/healthz", host: host)?.status == 200, "Host: \(host)")
        }
        for host in ["rebind.evil.example:\(port)", "192.168.1.5:\(port)", "pw.example.evil.example"] {
            let reply = Self.get(port, "/healthz", host: host)
            #expect(reply?.status == 421, "Host: \(host)")
            #expect(reply?.header("Content-Type") == "application/json")
            #expect(String(decoding: reply?.body ?? [], as: UTF8.self) == "{\"error\":\"unknown host\"}\n")
        }
        #expect(Self.get(port, "/metrics", host: "rebind.evil.example")?.status == 421, "a rebinding page cannot read the metrics")
        #expect(await server.stop() == 0)
    }

    @Test func metricsAnswerTheAllowedSocketPeersOnlyWhateverTheyForward() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(
            directory: dir, environment: ["METRICS_ALLOW": "127.0.0.2, 10.0.0.0/8", "TRUSTED_PROXIES": "127.0.0.0/8"])
        let port = server.port
        let allowed = Self.get(port, "/metrics", host: "localhost", from: "127.0.0.2")
        #expect(allowed?.status == 200)
        let exposition = String(decoding: allowed?.body ?? [], as: UTF8.self)
        #expect(exposition.contains("# TYPE http_requests_total counter"))
        let refused = Self.get(port, "/metrics", host: "localhost", from: "127.0.0.3")
        #expect(refused?.status == 403)
        #expect(String(decoding: refused?.body ?? [], as: UTF8.self) == "{\"error\":\"forbidden\"}\n")
        // A trusted proxy forwarding an allowed address does not make the request allowed: the peer decides.
        let forwarded = Self.get(port, "/metrics", host: "localhost", from: "127.0.0.3", extra: "X-Forwarded-For: 10.1.2.3\r\n")
        #expect(forwarded?.status == 403)
        #expect(Self.get(port, "/healthz", host: "localhost", from: "127.0.0.3")?.status == 200, "only /metrics is restricted")
        #expect(await server.stop() == 0)
    }

    @Test func byDefaultHeadCarriesTheGetsLengthWithoutABodyAndAnyHostIsServed() async throws {
        let dir = TestDirectory()
        let server = try await ServerProcess(directory: dir)
        let socket = try #require(LoopbackSocket.connect(port: server.port))
        defer { socket.close() }
        let get = try #require(socket.exchange("GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        let head = try #require(socket.exchange("HEAD /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        #expect(head.status == 200 && head.header("Content-Length") == String(get.body.count))
        #expect(head.body.isEmpty)
        // Had the HEAD carried a body, this response would be read from its leftovers.
        let next = try #require(socket.exchange("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        #expect(next.status == 200 && String(decoding: next.body, as: UTF8.self) == "{\"ok\":true}\n")
        // Outside production any Host is served (the allow-list is a production setting).
        #expect(Self.get(server.port, "/healthz", host: "whatever.example")?.status == 200)
        #expect(await server.stop() == 0)
    }
}
