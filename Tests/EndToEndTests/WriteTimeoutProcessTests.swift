import Foundation
import TestSupport
import Testing

/// A response that its client does not read is not held in memory for ever: `API_WRITE_TIMEOUT` closes the
/// connection, which frees the unsent part of the body (the real binary, large responses, clients that never read).
@Suite(.serialized) struct WriteTimeoutProcessTests {
    static let clients = 16

    /// A persona at the caps of the contract (DECISIONS 29), written in `<`, which JSON output escapes to six
    /// bytes: about 34 KB of `GET /personas` each.
    static func largePersona(_ i: Int) -> String {
        func text(_ n: Int) -> String { String(repeating: "<", count: n) }
        func list(_ count: Int, _ n: Int) -> String { "[" + (0..<count).map { _ in "\"\(text(n))\"" }.joined(separator: ",") + "]" }
        return """
            {"name":"P\(i) \(text(70))","bio":"\(text(1000))","tone":"\(text(80))","writing_samples":\(list(3, 180)),\
            "do_not_say":\(list(20, 120)),"catchphrases":\(list(20, 80)),"preferred_language":"en","formality":1}
            """
    }

    @Test func largeResponsesToClientsThatNeverReadAreDroppedAtTheWriteTimeout() async throws {
        SlowClients.raiseFileLimit()
        let dir = TestDirectory()
        let server = try await ServerProcess(directory: dir, environment: ["API_WRITE_TIMEOUT": "2s"])
        let signup = try await server.request("POST", "/auth/signup", json: #"{"email":"reader@example.com","password":"password123"}"#)
        let token = try #require((try JSONSerialization.jsonObject(with: Data(signup.body.utf8)) as? [String: Any])?["token"] as? String)
        for i in 0..<30 { #expect(try await server.request("POST", "/personas", json: Self.largePersona(i), token: token).status == 201) }
        let full = try await server.request("GET", "/personas", token: token)
        let size = full.body.utf8.count
        #expect(full.status == 200 && size > 1_000_000, "GET /personas is \(size) bytes")
        let request = "GET /personas HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n\r\n"

        let baselineSockets = try #require(ProcessStats.openSockets(pid: server.pid))
        let baselineRSS = try #require(server.residentKiB())
        var afterWave: [Int] = []
        for wave in 1...2 {
            // Small receive buffers, so the kernel takes little of each body and the rest waits in the server.
            let readers = (0..<Self.clients).compactMap { _ in LoopbackSocket.connect(port: server.port, from: "127.0.0.6", receiveBuffer: 4096) }
            defer { for socket in readers { socket.close() } }
            #expect(readers.count == Self.clients)
            let sent = LoopbackSocket.now()
            for reader in readers { reader.send(request) }

            var peakRSS = 0
            var closedAfter: Double?
            while LoopbackSocket.now() - sent < 15 {
                peakRSS = max(peakRSS, server.residentKiB() ?? 0)
                let sockets = try #require(ProcessStats.openSockets(pid: server.pid))
                if sockets <= baselineSockets && LoopbackSocket.now() - sent > 0.5 {
                    closedAfter = LoopbackSocket.now() - sent
                    break
                }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            // Closed by the write timeout (2 s from the request), not at once and not much later; without it the
            // connections and their bodies stay as long as the clients do.
            let after = try #require(closedAfter, "wave \(wave): the server still holds the unread responses after 15 s")
            #expect(after >= 1.5 && after <= 8, "wave \(wave): closed after \(after) s")
            // While held, memory grew by at most the unsent bodies (plus the work of building them), never more.
            let bound = Self.clients * size / 1024 * 3 + 64 * 1024
            #expect(peakRSS - baselineRSS < bound, "wave \(wave): RSS \(baselineRSS) → \(peakRSS) KiB, bound \(bound) KiB")
            // The clients cannot read the rest: the server reset the connection, dropping what the kernel held.
            let received = readers[0].readAll(timeout: 5)
            #expect(received.count < size, "wave \(wave): the whole body arrived after the write timeout")
            try await Task.sleep(nanoseconds: 500_000_000)
            afterWave.append(try #require(server.residentKiB()))
        }
        #expect(try await server.request("GET", "/healthz").status == 200)
        // Allocator caches may keep some of the first wave; the second must not add as much again.
        #expect(afterWave[1] - afterWave[0] < Self.clients * size / 1024 / 2, "RSS keeps growing: \(baselineRSS) → \(afterWave) KiB")
        #expect(server.stop() == 0)
    }
}
