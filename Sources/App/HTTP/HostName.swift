import Domain

/// A host as a `Host` header, an origin or `ALLOWED_HOSTS` names it: lower-cased, without the brackets of
/// an IPv6 literal or a trailing dot, the port (if any) apart. `*` parses as itself (an `ALLOWED_HOSTS`
/// wildcard).
struct HostName: Sendable, Hashable {
    /// The name or address, normalised.
    let name: String
    /// The port, when one was given.
    let port: Int?

    /// Loopback addresses (and the IPv4-mapped spelling of 127/8).
    private static let loopback = try! IPNetworkList(entries: ["127.0.0.0/8", "::1"])

    init(name: String, port: Int?) {
        self.name = name
        self.port = port
    }

    /// Parses `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address; nil for anything else
    /// (empty, a bad port, characters no host name has).
    init?(_ text: some StringProtocol) {
        let value = String(text).trimmingWhitespace().lowercased()
        if value == "*" {
            self.init(name: "*", port: nil)
            return
        }
        var host = Substring(value)
        var portText: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            guard IPAddress(host) != nil else { return nil }
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if host.filter({ $0 == ":" }).count > 1 {
            guard IPAddress(host) != nil else { return nil }
        } else if let colon = host.firstIndex(of: ":") {
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty, host.utf8.count <= 253,
            host.utf8.allSatisfy({ Self.nameBytes.contains($0) }) || IPAddress(host) != nil
        else { return nil }
        var port: Int?
        if let portText {
            guard (1...5).contains(portText.count), portText.allSatisfy(\.isASCII), let n = Int(portText), (1...65535).contains(n) else {
                return nil
            }
            port = n
        }
        self.init(name: String(host), port: port)
    }

    /// `localhost`, a name under `.localhost` (RFC 6761: always the machine itself), or a loopback address.
    var isLoopback: Bool {
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        guard let address = IPAddress(name) else { return false }
        return Self.loopback.contains(address)
    }

    private static let nameBytes = Set(Array("abcdefghijklmnopqrstuvwxyz0123456789.-_".utf8))
}
