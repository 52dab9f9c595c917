/// UUID validation and generation rules shared by every route.
public enum Identifiers {
    /// Validates a UUID (versions 1–5, RFC variant) and returns it lower-cased.
    ///
    /// Throws `invalid("<label> is required")` when blank and `invalid("<label> is invalid")` otherwise.
    public static func uuid(_ raw: String, label: String) throws -> String {
        let value = raw.trimmingWhitespace()
        guard !value.isEmpty else { throw DomainError.invalid("\(label) is required") }
        guard isValidUUID(value) else { throw DomainError.invalid("\(label) is invalid") }
        return value.lowercased()
    }

    /// True when `value` matches the contract's UUID pattern exactly.
    public static func isValidUUID(_ value: String) -> Bool {
        let b = Array(value.utf8)
        guard b.count == 36 else { return false }
        for (i, c) in b.enumerated() {
            switch i {
            case 8, 13, 18, 23:
                if c != 45 { return false }
            case 14:
                if c < 49 || c > 53 { return false } // version 1-5
            case 19:
                if !(c == 56 || c == 57 || c == 97 || c == 98 || c == 65 || c == 66) { return false } // 8 9 a b A B
            default:
                if !isHex(c) { return false }
            }
        }
        return true
    }

    /// A new lower-case v4 UUID.
    /// The 16 random bytes come from two 64-bit draws of the system generator: each draw is a `getrandom` call, and
    /// drawing byte by byte made 16 of them per id (every reply the queue writes takes one).
    public static func newUUID() -> String {
        var rng = SystemRandomNumberGenerator()
        let high = rng.next()
        let low = rng.next()
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { out in
            var at = 0
            for i in 0..<16 {
                var byte = UInt8(truncatingIfNeeded: (i < 8 ? high : low) >> (UInt64(7 - i % 8) * 8))
                if i == 6 { byte = (byte & 0x0F) | 0x40 }
                if i == 8 { byte = (byte & 0x3F) | 0x80 }
                if i == 4 || i == 6 || i == 8 || i == 10 {
                    out[at] = 45
                    at += 1
                }
                out[at] = hex[Int(byte >> 4)]
                out[at + 1] = hex[Int(byte & 0x0F)]
                at += 2
            }
            return at
        }
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
    }
}
