#if canImport(Glibc)
    import Glibc
#endif

/// The IPv4 socket address `host`:`port` (`host` in dotted form), for the tests' raw sockets.
public func ipv4Address(_ host: String = "127.0.0.1", port: Int) -> sockaddr_in {
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr(host)
    addr.sin_port = UInt16(port).bigEndian
    return addr
}
