import Foundation
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Signed-in clients on keep-alive connections, each on its own thread, sending requests back to back with no
/// think time for a fixed period. Each client records when every answer arrived, so a test can see whether the
/// server kept answering everyone throughout (a wedged server answers nobody, and a starved client stops hearing).
final class KeepAliveLoad: @unchecked Sendable {
    /// One request of a client's loop.
    struct Step: Sendable {
        let method: String
        let path: String
        let body: String?
    }

    /// What one client saw.
    struct ClientResult: Sendable {
        /// Monotonic seconds at which each answer (a complete response) arrived.
        var answers: [Double] = []
        /// Non-2xx statuses seen, with counts.
        var statuses: [Int: Int] = [:]
        /// A transport failure that ended the client early (nil when it ran to the end).
        var failure: String?

        /// The longest time without an answer between `start` and `end`, counting the gaps at both ends.
        func longestSilence(start: Double, end: Double) -> Double {
            var last = start
            var longest = 0.0
            for t in answers {
                longest = max(longest, t - last)
                last = t
            }
            return max(longest, end - last)
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Runs one thread per token until `seconds` have passed; each loops over `steps` on one connection.
    static func run(port: Int, tokens: [String], steps: [Step], seconds: Double) async -> [ClientResult] {
        let end = now() + seconds
        return await withTaskGroup(of: (Int, ClientResult).self) { group in
            for (index, token) in tokens.enumerated() {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        let thread = Thread {
                            continuation.resume(returning: (index, drive(port: port, token: token, steps: steps, until: end)))
                        }
                        thread.stackSize = 1 << 20
                        thread.start()
                    }
                }
            }
            var results = [ClientResult](repeating: ClientResult(), count: tokens.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
    }

    /// One client's loop. A request that gets no answer within 60 s ends the client (a wedged server).
    private static func drive(port: Int, token: String, steps: [Step], until end: Double) -> ClientResult {
        var result = ClientResult()
        var connection: HTTPConnection?
        var index = 0
        while now() < end {
            do {
                if connection == nil { connection = try HTTPConnection(port: port, timeoutSeconds: 60) }
                let step = steps[index % steps.count]
                index += 1
                let status = try connection!.exchange(step: step, token: token)
                result.answers.append(now())
                if !(200..<300).contains(status) { result.statuses[status, default: 0] += 1 }
            } catch {
                connection = nil
                result.failure = "\(error)"
                return result
            }
        }
        return result
    }
}

/// A minimal blocking HTTP/1.1 keep-alive connection to 127.0.0.1 (Content-Length and chunked bodies).
final class HTTPConnection {
    struct Failure: Error, CustomStringConvertible { let description: String }

    private let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int, timeoutSeconds: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = ipv4Address(port: port)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        // No close here: the instance is fully initialised, so a throw releases it and `deinit` closes the socket;
        // closing it here too closed the number twice (by then possibly another test's descriptor).
        guard rc == 0 else { throw Failure(description: "connect: errno \(errno)") }
    }

    deinit { close(fd) }

    /// Sends one request and reads its whole response; returns the status.
    func exchange(step: KeepAliveLoad.Step, token: String) throws -> Int {
        var head = "\(step.method) \(step.path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
        if let body = step.body {
            head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            head += "\r\n"
        }
        let bytes = Array(head.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += n
        }
        let headEnd = try readUntil([13, 10, 13, 10])
        let headText = String(decoding: buffer[..<headEnd], as: UTF8.self)
        buffer.removeFirst(headEnd + 4)
        let lines = headText.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2,
            let status = Int(statusLine.split(separator: " ")[1])
        else { throw Failure(description: "bad status line: \(headText.prefix(80))") }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        if chunked {
            while true {
                let lineEnd = try readUntil([13, 10])
                let size = Int(String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
                buffer.removeFirst(lineEnd + 2)
                try fill(size + 2)
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else {
            let count = length ?? 0
            try fill(count)
            buffer.removeFirst(count)
        }
        return status
    }

    /// Reads until `marker` is in the buffer; returns its offset.
    private func readUntil(_ marker: [UInt8]) throws -> Int {
        while true {
            if buffer.count >= marker.count {
                for i in 0...(buffer.count - marker.count) where buffer[i] == marker[0] && Array(buffer[i..<(i + marker.count)]) == marker {
                    return i
                }
            }
            try receive()
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count { try receive() }
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw Failure(description: n == 0 ? "closed by server" : "recv: errno \(errno)") }
        buffer.append(contentsOf: chunk[..<n])
    }
}
