/// The reverse proxies whose forwarding headers the server believes.
///
/// Forwarding headers (`X-Forwarded-For`, `X-Real-IP`) are trivially forged by any client, so
/// the client address is the socket peer unless the peer is one of these proxies. An empty set
/// (the default) means no header is ever trusted.
///
/// Entries are single addresses or CIDR networks, IPv4 or IPv6, e.g.
/// `127.0.0.1, 10.0.0.0/8, ::1, fd00::/8`. IPv4 entries also match the same addresses written as
/// IPv4-mapped IPv6; host bits below the prefix are ignored (`10.1.2.3/8` means `10.0.0.0/8`).
public struct TrustedProxies: Sendable, Hashable {
    /// A list entry that is neither an address nor a CIDR network.
    public struct InvalidEntry: Error, Sendable, Hashable, CustomStringConvertible {
        /// The offending entry, trimmed.
        public let entry: String
        public init(entry: String) { self.entry = entry }
        public var description: String { "invalid trusted proxy entry \"\(entry)\" (want an IP address or CIDR)" }
    }

    private struct Network: Sendable, Hashable {
        let base: UInt128
        let mask: UInt128
    }

    private let networks: [Network]

    /// Trusts nobody: every request's client address is its socket peer.
    public static let none = TrustedProxies(networks: [])

    private init(networks: [Network]) { self.networks = networks }

    /// Parses a comma-separated list; blank entries are skipped.
    /// - Throws: `InvalidEntry` naming the first entry that does not parse.
    public init(parsing list: String) throws {
        try self.init(entries: list.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    /// Parses one entry per element (surrounding whitespace allowed); blank entries are skipped.
    /// - Throws: `InvalidEntry` naming the first entry that does not parse.
    public init(entries: [String]) throws {
        var networks: [Network] = []
        for raw in entries {
            let entry = Self.trimmed(raw)
            guard !entry.isEmpty else { continue }
            guard let network = Self.parseNetwork(entry) else { throw InvalidEntry(entry: entry) }
            networks.append(network)
        }
        self.networks = networks
    }

    /// True when no proxy is trusted.
    public var isEmpty: Bool { networks.isEmpty }

    /// Whether `address` (plain address text) belongs to a trusted proxy; unparsable text never does.
    public func contains(_ address: String) -> Bool {
        guard let ip = IPAddress(address) else { return false }
        return contains(ip)
    }

    /// Whether `address` belongs to a trusted proxy.
    public func contains(_ address: IPAddress) -> Bool {
        networks.contains { address.bits & $0.mask == $0.base }
    }

    /// `address` or `address/prefix`; an IPv4 prefix is 0–32, an IPv6 prefix 0–128.
    private static func parseNetwork(_ entry: String) -> Network? {
        let pieces = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ip = IPAddress(pieces[0]) else { return nil }
        let width = ip.isIPv4 && !pieces[0].contains(":") ? 32 : 128
        var prefix = width
        if pieces.count == 2 {
            let digits = pieces[1]
            guard (1...3).contains(digits.count), digits.allSatisfy(\.isASCII), let n = Int(digits),
                (0...width).contains(n)
            else { return nil }
            prefix = n
        }
        // IPv4 lives in the last 32 bits of the mapped range, so its prefix counts from bit 96.
        let bitsPrefix = width == 32 ? 96 + prefix : prefix
        let mask: UInt128 = bitsPrefix == 0 ? 0 : ~UInt128(0) << (128 - bitsPrefix)
        return Network(base: ip.bits & mask, mask: mask)
    }

    private static func trimmed(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[first...last])
    }
}
