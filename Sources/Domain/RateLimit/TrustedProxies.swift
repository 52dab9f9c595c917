/// The reverse proxies whose forwarding headers the server believes.
///
/// Forwarding headers (`X-Forwarded-For`, `X-Real-IP`) are trivially forged by any client, so
/// the client address is the socket peer unless the peer is one of these proxies. An empty set
/// (the default) means no header is ever trusted.
///
/// Entries are single addresses or CIDR networks, IPv4 or IPv6 (see `IPNetworkList`).
public struct TrustedProxies: Sendable, Hashable {
    /// A list entry that is neither an address nor a CIDR network.
    public struct InvalidEntry: Error, Sendable, Hashable, CustomStringConvertible {
        /// The offending entry, trimmed.
        public let entry: String
        public init(entry: String) { self.entry = entry }
        public var description: String { "invalid trusted proxy entry \"\(entry)\" (want an IP address or CIDR)" }
    }

    private let list: IPNetworkList

    /// Trusts nobody: every request's client address is its socket peer.
    public static let none = TrustedProxies(list: .empty)

    private init(list: IPNetworkList) { self.list = list }

    /// Parses a comma-separated list; blank entries are skipped.
    /// - Throws: `InvalidEntry` naming the first entry that does not parse.
    public init(parsing list: String) throws {
        try self.init(entries: list.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    /// Parses one entry per element (surrounding whitespace allowed); blank entries are skipped.
    /// - Throws: `InvalidEntry` naming the first entry that does not parse.
    public init(entries: [String]) throws {
        do { list = try IPNetworkList(entries: entries) } catch { throw InvalidEntry(entry: error.entry) }
    }

    /// True when no proxy is trusted.
    public var isEmpty: Bool { list.isEmpty }

    /// Whether `address` (plain address text) belongs to a trusted proxy; unparsable text never does.
    public func contains(_ address: String) -> Bool { list.contains(address) }

    /// Whether `address` belongs to a trusted proxy.
    public func contains(_ address: IPAddress) -> Bool { list.contains(address) }
}
