import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Raw TCP connections to the server from any loopback address (the whole of 127.0.0.0/8 is this machine), so
/// one test can be several clients as the server's per-address accounting sees them.
struct LoopbackSocket {
    let fd: Int32

    /// A non-blocking connection from `source` to 127.0.0.1:`port`; nil when the handshake does not complete
    /// within `timeout` seconds (the listen backlog is full).
    static func connect(port: Int, from source: String = "127.0.0.1", timeout: Double = 2, receiveBuffer: Int32? = nil) -> LoopbackSocket? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if var size = receiveBuffer {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var local = ipv4Address(source, port: 0)
        var remote = ipv4Address(port: port)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let rc = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, rc == 0 || errno == EINPROGRESS else {
            Glibc.close(fd)
            return nil
        }
        var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard poll(&ready, 1, Int32(timeout * 1000)) == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else {
            Glibc.close(fd)
            return nil
        }
        return LoopbackSocket(fd: fd)
    }

    func close() { _ = Glibc.close(fd) }

    /// Sends all of `text` (the socket buffer takes a request at once).
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the server has closed the connection (end of stream or reset), waiting up to `timeout` seconds.
    /// Data that arrives meanwhile is read and discarded.
    func closedByServer(within timeout: Double) -> Bool {
        let deadline = Self.now() + timeout
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let left = deadline - Self.now()
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(max(0, left) * 1000)) == 1 else { return false }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
            if left <= 0 { return false }
        }
    }

    /// Reads until the server closes the connection or `timeout` seconds pass; the bytes received.
    func readAll(timeout: Double) -> [UInt8] {
        let deadline = Self.now() + timeout
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Self.now() < deadline {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(max(0, deadline - Self.now()) * 1000)) == 1 else { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { out += buffer[0..<n] } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { break }
        }
        return out
    }

    /// One request on this connection and its response, read up to the end of its `Content-Length` body (or
    /// the close); nil when nothing complete arrived within `timeout`.
    func exchange(_ request: String, timeout: Double = 5) -> HTTPReply? {
        guard send(request) else { return nil }
        let deadline = Self.now() + timeout
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Self.now() < deadline {
            if let reply = HTTPReply(bytes, headOnly: request.hasPrefix("HEAD ")), reply.complete { return reply }
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, Int32(max(0, deadline - Self.now()) * 1000)) == 1 else { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { bytes += buffer[0..<n] } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { break }
        }
        return HTTPReply(bytes, headOnly: request.hasPrefix("HEAD "))
    }

    /// `GET path` from `source` on a fresh connection: the status and the seconds from connect to the end of
    /// the response; nil when the server refused or did not answer.
    static func get(port: Int, _ path: String, from source: String, timeout: Double = 5) -> (status: Int, seconds: Double)? {
        let started = now()
        guard let socket = connect(port: port, from: source, timeout: timeout) else { return nil }
        defer { socket.close() }
        guard let reply = socket.exchange("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", timeout: timeout), reply.complete
        else { return nil }
        return (reply.status, now() - started)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

/// A parsed HTTP/1.1 response.
struct HTTPReply {
    let status: Int
    let headers: [(String, String)]
    let body: [UInt8]
    /// The head arrived and the body is as long as its `Content-Length` (or, for `HEAD`, the head alone).
    let complete: Bool

    init?(_ bytes: [UInt8], headOnly: Bool = false) {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == separator }) else { return nil }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let first = lines.first, first.hasPrefix("HTTP/1."), let status = Int(first.split(separator: " ").dropFirst().first ?? "") else {
            return nil
        }
        self.status = status
        headers = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        body = Array(bytes[(end + 4)...])
        let length = headers.first { $0.0 == "content-length" }.flatMap { Int($0.1) }
        complete = headOnly || body.count >= (length ?? 0)
    }

    func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
}

/// CPU time and open descriptors of a process, from /proc.
enum ProcessStats {
    /// User plus system CPU seconds (`utime` + `stime` of /proc/<pid>/stat).
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let fields = procStatFields("/proc/\(pid)/stat"), fields.count > 12, let user = Double(fields[11]),
            let system = Double(fields[12])
        else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Connections waiting in the accept queue of the listening socket on `port` (`rx_queue` of its LISTEN row in
    /// /proc/net/tcp); nil when there is no such socket.
    static func acceptQueue(port: Int) -> Int? {
        guard let table = tcpTable() else { return nil }
        let suffix = ":" + String(format: "%04X", port)
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[1].hasSuffix(suffix), fields[3] == "0A" else { continue }
            let queues = fields[4].split(separator: ":")
            return queues.count == 2 ? Int(queues[1], radix: 16) : nil
        }
        return nil
    }

    /// Open file descriptors of the process.
    static func openFiles(pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    /// /proc/net/tcp whole. `String(contentsOfFile:)` stops after the first read, which the kernel ends at a
    /// page (about 27 sockets) for this file, so on a busy machine it silently missed most of the table.
    static func tcpTable() -> String? {
        guard let handle = FileHandle(forReadingAtPath: "/proc/net/tcp") else { return nil }
        defer { try? handle.close() }
        return (try? handle.readToEnd()).map { String(decoding: $0 ?? Data(), as: UTF8.self) }
    }

    /// The TCP sockets at 127.0.0.1:`port` (rows of /proc/net/tcp, closed-but-unsent ones included): the
    /// peer's address and port in /proc's hex, the state (`01` established) and the bytes the kernel holds
    /// unsent or unacknowledged (`tx_queue`).
    static func tcpSockets(port: Int) -> [(remote: Substring, state: Substring, queued: Int)] {
        guard let table = tcpTable() else { return [] }
        let local = "0100007F:" + String(format: "%04X", port)
        return table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[1] == local, let queues = fields[4].split(separator: ":").first,
                let queued = Int(queues, radix: 16)
            else { return nil }
            return (fields[2], fields[3], queued)
        }
    }
}
