/// A list of IPv4 and IPv6 addresses and CIDR networks that an address is matched against: the trusted
/// proxies, and `METRICS_ALLOW`.
///
/// Entries are single addresses or CIDR networks, e.g. `127.0.0.1, 10.0.0.0/8, ::1, fd00::/8`. IPv4
/// entries also match the same addresses written as IPv4-mapped IPv6; host bits below the prefix are
/// ignored (`10.1.2.3/8` means `10.0.0.0/8`).
public struct IPNetworkList: Sendable, Hashable {
    /// A list entry that is neither an address nor a CIDR network.
    public struct InvalidEntry: Error, Sendable, Hashable, CustomStringConvertible {
        /// The offending entry, trimmed.
        public let entry: String
        public init(entry: String) { self.entry = entry }
        public var description: String { "invalid entry \"\(entry)\" (want an IP address or CIDR)" }
    }

    private struct Network: Sendable, Hashable {
        let base: UInt128
        let mask: UInt128
    }

    private let networks: [Network]

    /// Matches nothing.
    public static let empty = IPNetworkList(networks: [])

    private init(networks: [Network]) { self.networks = networks }

    /// Parses one entry per element (surrounding whitespace allowed); blank entries are skipped.
    /// - Throws: `InvalidEntry` naming the first entry that does not parse.
    public init(entries: [String]) throws(InvalidEntry) {
        var networks: [Network] = []
        for raw in entries {
            let entry = Self.trimmed(raw)
            guard !entry.isEmpty else { continue }
            guard let network = Self.parseNetwork(entry) else { throw InvalidEntry(entry: entry) }
            networks.append(network)
        }
        self.networks = networks
    }

    /// True when the list matches nothing.
    public var isEmpty: Bool { networks.isEmpty }

    /// Whether `address` (plain address text) is in the list; unparsable text never is.
    public func contains(_ address: String) -> Bool {
        guard let ip = IPAddress(address) else { return false }
        return contains(ip)
    }

    /// Whether `address` is in the list.
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
