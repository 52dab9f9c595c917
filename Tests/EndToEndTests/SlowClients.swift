import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Hundreds of misbehaving TCP clients on their own thread: idle ones, slowloris ones that send a request head a
/// byte at a time, kept-alive ones that go quiet after one request, and ones that trickle a body. It records when
/// the server closed each connection (read returns 0 or the connection is reset).
final class SlowClients: @unchecked Sendable {
    enum Kind: CaseIterable { case idle, slowHead, keptAlive, slowBody }

    struct Outcome {
        let kind: Kind
        /// Seconds from the connection being opened (for `keptAlive`: from its response) to the server closing it;
        /// nil when it was still open at the end.
        let closedAfter: Double?
    }

    private struct Client {
        let fd: Int32
        let kind: Kind
        let opened: Double
        var start: Double
        var sent = 0
        var received = 0
        var closedAt: Double?
    }

    static let slowHead = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 4096)
    static let keptAlive = Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
    static let slowBody = Array("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n".utf8)

    /// Raises the soft open-file limit to the hard one (up to 65536), and as root the hard one to at least
    /// `atLeast`; child processes started afterwards inherit it. Returns the soft limit now.
    @discardableResult
    static func raiseFileLimit(atLeast: Int = 0) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_max < rlim_t(atLeast) && geteuid() == 0 {
            limit.rlim_max = rlim_t(atLeast)
        }
        let wanted = max(min(limit.rlim_max, 65_536), min(limit.rlim_max, rlim_t(atLeast)))
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        return Int(clamping: limit.rlim_cur)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Opens `counts` connections to 127.0.0.1:`port`, drives them until every one is closed or `limit` seconds pass.
    static func run(port: Int, counts: [Kind: Int], limit: Double) async throws -> [Outcome] {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try drive(port: port, counts: counts, limit: limit)) } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.start()
        }
    }

    private static func connectSocket(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var addr = ipv4Address(port: port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw POSIXError(.init(rawValue: e) ?? .EIO)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    private static func send(_ client: inout Client, _ bytes: [UInt8], count: Int) {
        guard client.sent < bytes.count else { return }
        let n = min(count, bytes.count - client.sent)
        let w = bytes.withUnsafeBytes { Glibc.send(client.fd, $0.baseAddress! + client.sent, n, Int32(MSG_NOSIGNAL)) }
        if w > 0 { client.sent += w }
    }

    private static func drive(port: Int, counts: [Kind: Int], limit: Double) throws -> [Outcome] {
        var clients: [Client] = []
        defer { for c in clients where c.closedAt == nil { close(c.fd) } }
        for kind in Kind.allCases {
            for _ in 0..<(counts[kind] ?? 0) {
                let t = now()
                var client = Client(fd: try connectSocket(port: port), kind: kind, opened: t, start: t)
                switch kind {
                case .keptAlive:
                    // Read the response now: the connection's idle time starts when it has arrived.
                    send(&client, keptAlive, count: keptAlive.count)
                    var ready = pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)
                    _ = poll(&ready, 1, 5000)
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    client.received = max(0, buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, 0) })
                    client.start = now()
                case .slowBody: send(&client, slowBody, count: slowBody.count)
                case .idle, .slowHead: break
                }
                clients.append(client)
            }
        }
        let deadline = now() + limit
        var buffer = [UInt8](repeating: 0, count: 4096)
        var lastTrickle = 0.0
        while now() < deadline && clients.contains(where: { $0.closedAt == nil }) {
            let trickle = now() - lastTrickle >= 0.1
            if trickle { lastTrickle = now() }
            for i in clients.indices where clients[i].closedAt == nil {
                if trickle {
                    switch clients[i].kind {
                    case .slowHead: send(&clients[i], slowHead, count: 1)
                    case .slowBody: send(&clients[i], slowBody + Array(repeating: UInt8(ascii: " "), count: 4000), count: 1)
                    case .idle, .keptAlive: break
                    }
                }
                let n = buffer.withUnsafeMutableBytes { recv(clients[i].fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    clients[i].received += n
                    // The kept-alive client's idle time starts when its response has arrived.
                    if clients[i].kind == .keptAlive { clients[i].start = now() }
                } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                    clients[i].closedAt = now()
                    close(clients[i].fd)
                }
            }
            usleep(10_000)
        }
        return clients.map { client in Outcome(kind: client.kind, closedAfter: client.closedAt.map { $0 - client.start }) }
    }
}
