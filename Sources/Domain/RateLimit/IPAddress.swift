/// An IPv4 or IPv6 address parsed from text, with one canonical spelling.
///
/// Rate limits key on the client address, so two spellings of one address must land in one
/// bucket: IPv4 addresses are stored as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), which makes
/// `::ffff:1.2.3.4` and `1.2.3.4` the same address, and `description` prints IPv4 as a dotted
/// quad and IPv6 in the recommended compressed form (lower-case, longest zero run as `::`).
///
/// Accepted text: dotted-quad IPv4 (four decimal parts 0–255, no leading zeros, which some
/// parsers read as octal); IPv6 with at most one `::`, an optional trailing dotted quad, and an
/// optional zone id (`%eth0`) that is dropped, since a zone does not identify a client.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// The 128-bit value; IPv4 addresses occupy the IPv4-mapped range `::ffff:0:0/96`.
    public let bits: UInt128

    private static let mappedPrefix: UInt128 = 0xffff << 32

    /// Wraps a raw 128-bit value.
    public init(bits: UInt128) { self.bits = bits }

    /// Parses `text`; `nil` when it is not exactly one address (no port, no brackets, no CIDR).
    public init?(_ text: some StringProtocol) {
        var bytes = Array(text.utf8)
        if let percent = bytes.firstIndex(of: UInt8(ascii: "%")) {
            guard percent + 1 < bytes.count, bytes.contains(UInt8(ascii: ":")) else { return nil }
            bytes.removeSubrange(percent...)
        }
        if bytes.contains(UInt8(ascii: ":")) {
            guard let value = Self.parseIPv6(bytes[...]) else { return nil }
            bits = value
        } else {
            guard let v4 = Self.parseIPv4(bytes[...]) else { return nil }
            bits = Self.mappedPrefix | UInt128(v4)
        }
    }

    /// True for IPv4 addresses, including ones written as IPv4-mapped IPv6.
    public var isIPv4: Bool { bits >> 32 == 0xffff }

    /// The canonical spelling (see the type's documentation).
    public var description: String {
        if isIPv4 {
            let v = UInt32(truncatingIfNeeded: bits)
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        }
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: bits >> (112 - 16 * $0)) }
        // Longest run of at least two zero groups, the first one on a tie, becomes "::".
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            guard groups[i] == 0 else {
                i += 1
                continue
            }
            var j = i
            while j < 8 && groups[j] == 0 { j += 1 }
            if j - i > best.length { best = (i, j - i) }
            i = j
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        return hex[..<best.start].joined(separator: ":") + "::"
            + hex[(best.start + best.length)...].joined(separator: ":")
    }

    /// Four dotted decimal parts, each 0–255 without leading zeros.
    static func parseIPv4(_ text: ArraySlice<UInt8>) -> UInt32? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            guard part.count == 1 || part.first != UInt8(ascii: "0") else { return nil }
            let octet = part.reduce(UInt32(0)) { $0 * 10 + UInt32($1 - 0x30) }
            guard octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    /// Eight 16-bit groups, or fewer with one `::` standing for one or more zero groups.
    static func parseIPv6(_ text: ArraySlice<UInt8>) -> UInt128? {
        let colon = UInt8(ascii: ":")
        var head = text
        var tail: ArraySlice<UInt8> = []
        var compressed = false
        if let i = text.indices.first(where: { $0 + 1 < text.endIndex && text[$0] == colon && text[$0 + 1] == colon }) {
            compressed = true
            head = text[..<i]
            tail = text[(i + 2)...]
        }
        guard let left = parseGroups(head, mayEndInIPv4: !compressed),
            let right = parseGroups(tail, mayEndInIPv4: true)
        else { return nil }
        if compressed {
            guard left.count + right.count <= 7 else { return nil }
        } else {
            guard left.count == 8 else { return nil }
        }
        let groups = left + Array(repeating: 0, count: 8 - left.count - right.count) + right
        return groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    /// Colon-separated hex groups (1–4 digits); the last part may be a dotted quad worth two.
    private static func parseGroups(_ text: ArraySlice<UInt8>, mayEndInIPv4: Bool) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        let parts = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (n, part) in parts.enumerated() {
            if part.contains(UInt8(ascii: ".")) {
                guard mayEndInIPv4, n == parts.count - 1, let v4 = parseIPv4(part) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xffff))
                continue
            }
            guard (1...4).contains(part.count) else { return nil }
            var group: UInt16 = 0
            for byte in part {
                guard let digit = hexValue(byte) else { return nil }
                group = group << 4 | digit
            }
            groups.append(group)
        }
        return groups
    }

    private static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case 0x30...0x39: UInt16(byte - 0x30)
        case 0x61...0x66: UInt16(byte - 0x61 + 10)
        case 0x41...0x46: UInt16(byte - 0x41 + 10)
        default: nil
        }
    }
}
