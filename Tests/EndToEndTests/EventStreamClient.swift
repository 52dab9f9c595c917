import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A client of `GET /posts/{id}/events` over one raw loopback connection: sends the request, then reads the
/// chunked response as it arrives and hands back its Server-Sent Events one at a time. Each event the server
/// writes is one chunk, so the chunk-size lines never split an event's lines and are skipped as noise.
final class EventStreamClient {
    struct Event {
        var name: String
        var data: String
        /// Monotonic seconds (`LoopbackSocket.now()`) when it arrived.
        var arrived: Double
    }

    let socket: LoopbackSocket
    private(set) var status = 0
    private(set) var head = ""
    private(set) var closed = false
    private var text = ""
    private var headDone = false

    init?(port: Int, postID: String, token: String) {
        guard let socket = LoopbackSocket.connect(port: port) else { return nil }
        self.socket = socket
        let request = "GET /posts/\(postID)/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n"
        guard socket.send(request) else { return nil }
    }

    deinit { socket.close() }

    /// The next event (a block with an `event:` line), or nil when none arrived within `timeout` seconds or the
    /// server closed the stream first.
    func next(timeout: Double) -> Event? {
        let deadline = LoopbackSocket.now() + timeout
        while true {
            if let event = takeEvent() { return event }
            if closed { return nil }
            let left = deadline - LoopbackSocket.now()
            guard left > 0 else { return nil }
            read(timeout: left)
        }
    }

    /// Reads until the head has arrived (or `timeout`); the status, 0 if none.
    func waitForHead(timeout: Double) -> Int {
        let deadline = LoopbackSocket.now() + timeout
        while !headDone, !closed, LoopbackSocket.now() < deadline { read(timeout: deadline - LoopbackSocket.now()) }
        return status
    }

    /// Everything received after the head so far (tests look for heartbeat lines in it).
    var received: String { text }

    private var consumed = 0

    private func takeEvent() -> Event? {
        guard headDone else { return nil }
        let rest = text.dropFirst(consumed)
        guard let end = rest.range(of: "\n\n") else { return nil }
        let block = rest[rest.startIndex..<end.lowerBound]
        consumed += rest.distance(from: rest.startIndex, to: end.upperBound)
        var name = ""
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        if name.isEmpty { return takeEvent() }
        return Event(name: name, data: data, arrived: LoopbackSocket.now())
    }

    private func read(timeout: Double) {
        var ready = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, Int32(max(0, timeout) * 1000)) == 1 else { return }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
        if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            closed = true
            return
        }
        guard n > 0 else { return }
        // Chunk framing uses CRLF; the events use LF. Dropping CR keeps the event lines intact.
        text += String(decoding: buffer[0..<n], as: UTF8.self).replacingOccurrences(of: "\r", with: "")
        if !headDone, let end = text.range(of: "\n\n") {
            head = String(text[..<end.lowerBound])
            status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
            text = String(text[end.upperBound...])
            headDone = true
        }
    }
}
