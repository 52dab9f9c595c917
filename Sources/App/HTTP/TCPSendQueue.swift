import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// How much of what a connection wrote the kernel has not sent yet: a response handed to the kernel is not
/// yet a response the client took. On loopback and fast links the kernel accepts a few megabytes per socket
/// (send-buffer autotuning), so a client that never reads leaves its whole response there.
enum TCPSendQueue {
    /// `struct tcp_info` as Linux fills it, up to and including `tcpi_notsent_bytes` (Linux 4.6), which the
    /// C library's declaration of the struct stops short of. The kernel copies as much as the caller asks for
    /// and leaves the rest zero on older kernels, which then read as "nothing queued".
    private struct LinuxTCPInfo: Sendable {
        var words:
            (
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        /// Byte offset of `tcpi_notsent_bytes`: 8 one-byte fields, 24 32-bit ones, 4 64-bit ones, 2 32-bit ones.
        static let notSentOffset = 8 + 24 * 4 + 4 * 8 + 2 * 4

        var notSentBytes: Int {
            withUnsafeBytes(of: words) { Int($0.load(fromByteOffset: Self.notSentOffset, as: UInt32.self)) }
        }
    }

    /// Bytes written to `channel` that the kernel has not sent; nil where this cannot be read (not a TCP socket,
    /// not Linux). Completes at once when called on the channel's event loop.
    static func unsentBytes(_ channel: any Channel) -> EventLoopFuture<Int>? {
        #if os(Linux)
            guard let provider = channel as? any SocketOptionProvider else { return nil }
            let info: EventLoopFuture<LinuxTCPInfo> = provider.unsafeGetSocketOption(
                level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_INFO))
            return info.map(\.notSentBytes)
        #else
            return nil
        #endif
    }
}
