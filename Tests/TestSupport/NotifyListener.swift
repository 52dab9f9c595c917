import Foundation
import Synchronization

/// A stand-in for systemd's notification socket: an `AF_UNIX` datagram socket (a file in a test directory,
/// or an abstract name) whose datagrams a reader thread collects, for tests of the sd_notify protocol.
public final class NotifyListener: Sendable {
    /// The value for `NOTIFY_SOCKET`: the socket's path, or `@name` for an abstract socket.
    public let address: String
    private let fd: Int32
    private let received = Mutex<[String]>([])
    private let stopped = Atomic<Bool>(false)

    /// Binds `address` (an absolute path, or `@name` for an abstract socket) and starts reading.
    public init(address: String) throws {
        self.address = address
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var bytes = Array(address.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else {
            close(fd)
            throw TestFailure("bind \(address): errno \(errno)")
        }
        // Short receive timeout so the reader notices `stop()`.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in readLoop() }
        thread.start()
    }

    /// A socket file in `directory`.
    public convenience init(directory: TestDirectory) throws {
        try self.init(address: directory.path + "/notify.sock")
    }

    /// Every datagram received so far, in order.
    public var datagrams: [String] { received.withLock { $0 } }

    /// Waits until a datagram has the line `assignment` (e.g. `READY=1`) and returns it. The bound only ends a
    /// failing test: the datagrams awaited are sent within milliseconds on a healthy machine.
    public func waitFor(_ assignment: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let hit = datagrams.first(where: { $0.split(separator: "\n").contains(Substring(assignment)) }) { return hit }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestFailure("no \(assignment) within \(timeout); received: \(datagrams)")
    }

    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopped.load(ordering: .sequentiallyConsistent) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received.withLock { $0.append(String(decoding: buffer[0..<n], as: UTF8.self)) } }
        }
        close(fd)
        if address.hasPrefix("/") { unlink(address) }
    }
}
