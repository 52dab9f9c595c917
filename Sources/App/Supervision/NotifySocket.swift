#if canImport(Glibc)
    import Glibc
#endif

/// Where `SystemdNotifier` sends its datagrams: the seam tests replace to see what would go to systemd.
public protocol NotifyTransport: Sendable {
    func send(_ datagram: [UInt8]) throws
}

/// The sd_notify wire protocol itself (sd_notify(3)): one `AF_UNIX` datagram, newline-separated
/// `KEY=VALUE` assignments, sent to the socket in `NOTIFY_SOCKET`. systemd learns the sender from the
/// kernel's credentials on the socket, so with `NotifyAccess=main` only this (main) process is heard.
/// A socket per message, as libsystemd does: a ping every few seconds costs nothing, and nothing stays open.
public struct NotifySocket: NotifyTransport {
    public let address: NotifySocketAddress

    public struct Failure: Error, CustomStringConvertible {
        public let call: String
        public let errno: Int32
        public var description: String { "\(call): errno \(errno)" }
    }

    public init(address: NotifySocketAddress) { self.address = address }

    public func send(_ datagram: [UInt8]) throws {
        #if canImport(Glibc)
            // Non-blocking: a full socket buffer fails this message (logged) instead of parking an executor thread.
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { throw Failure(call: "socket", errno: errno) }
            defer { close(fd) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            let path = address.pathBytes
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: path) }
            // A path is NUL-terminated (sockaddr_un is zeroed); an abstract name's length is exactly its bytes.
            let length = MemoryLayout<sa_family_t>.size + path.count + (address.isAbstract ? 0 : 1)
            let sent = datagram.withUnsafeBytes { body in
                withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, body.baseAddress, body.count, Int32(MSG_NOSIGNAL), $0, socklen_t(length))
                    }
                }
            }
            guard sent == datagram.count else { throw Failure(call: "sendto", errno: sent < 0 ? errno : 0) }
        #else
            throw Failure(call: "sendto", errno: 0)
        #endif
    }
}
