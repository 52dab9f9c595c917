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
    public static func newUUID() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<16 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(45) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
    }
}
