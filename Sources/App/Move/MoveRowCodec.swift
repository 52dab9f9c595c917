import Crypto
import Domain

/// One row's journey: SQLite's text → the canonical text of each value (what is sent to PostgreSQL and what both
/// checksums hash) → a line of `COPY … FROM STDIN` text format. The same canonical form is computed from the rows read
/// back from PostgreSQL, so equal checksums mean every value arrived as it was.
enum MoveRowCodec {
    /// A value that has no PostgreSQL form (the move stops and nothing is written).
    struct BadValue: Error, CustomStringConvertible {
        let table: String
        let column: String
        let key: String
        let value: String
        let expected: String
        var description: String {
            "\(table).\(column) of row \(key) is not \(expected): \(value.prefix(80).debugDescription)"
        }
    }

    /// The canonical text of `text` for a column of `kind`, or throws `BadValue`. Idempotent: SQLite's text and the text
    /// read back from PostgreSQL meet in this form.
    static func canonical(_ text: String, _ kind: MoveTable.Kind) -> String? {
        switch kind {
        case .text, .enumeration: return text
        case .uuid: return isLowerUUID(text) ? text : nil
        case .integer: return Int64(text).map { String($0) }
        case .boolean:
            switch text {
            case "0", "f": return "f"
            case "1", "t": return "t"
            default: return nil
            }
        case .timestamp: return Timestamp(storage: text)?.storageString
        case .date: return isDate(text) ? text : nil
        case .json:
            guard let parsed = try? JSONParser.parseFirst(Array(text.utf8)), !parsed.trailing, let value = parsed.value else { return nil }
            return CompactJSON.encode(normalised(value))
        }
    }

    /// The canonical text of a value read back from PostgreSQL (`PostgresBulkLoad.forEachRow`). Only JSON needs work:
    /// the driver already gives every other kind in its canonical form (uuids, timestamps, integers and booleans are
    /// formatted from the decoded value by the functions `canonical` ends in, dates come from `to_char`, text is text),
    /// so those are hashed as read, and a value that differs from the source still changes the checksum. Re-parsing them
    /// was a third of the verification's work. JSON with no canonical form is hashed as read behind a NUL, so the table
    /// fails.
    static func canonicalReadBack(_ text: String, _ kind: MoveTable.Kind) -> String {
        guard kind == .json else { return text }
        return canonical(text, .json) ?? "\u{0}" + text
    }

    static func expected(_ kind: MoveTable.Kind) -> String {
        switch kind {
        case .text, .enumeration: "text"
        case .uuid: "a lower-case UUID"
        case .integer: "an integer"
        case .boolean: "0 or 1"
        case .timestamp: "a UTC timestamp (YYYY-MM-DDTHH:MM:SS.ffffffZ)"
        case .date: "a date (YYYY-MM-DD)"
        case .json: "a JSON document"
        }
    }

    /// JSON as `jsonb` keeps it, so both sides compare equal: object keys sorted (jsonb reorders them), numbers that are
    /// not plain integers in the shortest form (`1e3` and `1000` are one jsonb number).
    static func normalised(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields): return .object(fields.sorted { $0.0 < $1.0 }.map { ($0.0, normalised($0.1)) })
        case .array(let items): return .array(items.map(normalised))
        case .number(let literal):
            if Int64(literal) != nil { return value }
            return Double(literal).map { .number(CompactJSON.number($0)) } ?? value
        default: return value
        }
    }

    static func isLowerUUID(_ text: String) -> Bool {
        let bytes = text.utf8
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            switch index {
            case 8, 13, 18, 23: guard byte == 45 else { return false }
            default: guard (48...57).contains(byte) || (97...102).contains(byte) else { return false }
            }
        }
        return true
    }

    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 45, bytes[7] == 45 else { return false }
        return bytes.enumerated().allSatisfy { index, byte in index == 4 || index == 7 || (48...57).contains(byte) }
    }

    /// Appends one row in COPY text format: tab between columns, `\N` for NULL, backslash, tab, newline and carriage
    /// return escaped, a newline at the end.
    static func appendCopyLine(_ values: [String?], to out: inout [UInt8]) {
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(9) }
            guard let value else {
                out.append(contentsOf: [92, 78])
                continue
            }
            for byte in value.utf8 {
                switch byte {
                case 92: out.append(contentsOf: [92, 92])
                case 9: out.append(contentsOf: [92, 116])
                case 10: out.append(contentsOf: [92, 110])
                case 13: out.append(contentsOf: [92, 114])
                default: out.append(byte)
                }
            }
        }
        out.append(10)
    }
}

/// The checksum of a table: SHA-256 over its rows in key order, each value's canonical text followed by a unit
/// separator (NULL as a lone NUL byte before it), each row closed by a record separator.
struct MoveChecksum: Sendable {
    private var hasher = SHA256()
    private(set) var rows = 0

    mutating func add(_ values: [String?]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        for value in values {
            if let value { bytes.append(contentsOf: value.utf8) } else { bytes.append(0) }
            bytes.append(0x1F)
        }
        bytes.append(0x1E)
        hasher.update(data: bytes)
        rows += 1
    }

    /// The first 16 hex digits of the digest (64 bits: plenty to tell a difference, short enough for a table).
    func finish() -> String {
        hasher.finalize().prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
