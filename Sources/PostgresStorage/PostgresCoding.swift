import Domain
import Foundation
import NIOCore
import PostgresNIO

/// `Timestamp` on the wire as PostgreSQL's own binary `timestamptz`: integer microseconds since 2000-01-01 UTC. The
/// domain's unit is the column's unit, so a value goes in and comes back exactly (postgres-nio's `Date` coding goes
/// through a `Double` and can be off by a microsecond).
extension Timestamp: PostgresNonThrowingEncodable, PostgresDecodable {
    /// 2000-01-01T00:00:00Z in Unix microseconds.
    static let postgresEpoch: Int64 = 946_684_800_000_000

    public static var psqlType: PostgresDataType { .timestamptz }
    public static var psqlFormat: PostgresFormat { .binary }

    public func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(microseconds - Self.postgresEpoch)
    }

    public init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, type == .timestamptz || type == .timestamp, buffer.readableBytes == 8,
            let value = buffer.readInteger(as: Int64.self)
        else { throw PostgresDecodingError.Code.typeMismatch }
        self.init(microseconds: value + Self.postgresEpoch)
    }
}

/// A JSON document bound to a `jsonb` parameter (binary format: a version byte, then the text), so statements need no
/// casts. The text is what `StoredJSON`/`CompactJSON` wrote.
struct JSONB: PostgresNonThrowingEncodable {
    let text: String
    init(_ text: String) { self.text = text }

    static var psqlType: PostgresDataType { .jsonb }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(UInt8(1))
        byteBuffer.writeString(text)
    }
}

/// A `YYYY-MM-DD` day bound to a `date` parameter, in PostgreSQL's text format (the server parses it). Read days back
/// with `to_char(col, 'YYYY-MM-DD')`.
struct SQLDate: PostgresNonThrowingEncodable {
    let text: String
    init(_ text: String) { self.text = text }

    static var psqlType: PostgresDataType { .date }
    static var psqlFormat: PostgresFormat { .text }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeString(text)
    }
}

/// Ids: the domain's ids are lower-case canonical UUID strings and the columns are `uuid`. A string that is not one
/// (malformed, or upper-case, which SQLite's text comparison would not match either) is no id at all: the store treats
/// it as not found instead of letting the server reject the statement.
enum StoreID {
    /// Whether `a` sorts before `b` as PostgreSQL orders `uuid` (by bytes, which is the order of their hex text): the
    /// order in which a transaction takes several rows' locks, so that two transactions never take them in opposite orders.
    /// Compared as bytes: rendering both as text was 6 % of the worker process's CPU, every batch sorting its rows.
    static func precedes(_ a: UUID, _ b: UUID) -> Bool {
        withUnsafeBytes(of: a.uuid) { x in withUnsafeBytes(of: b.uuid) { y in x.lexicographicallyPrecedes(y) } }
    }

    /// The UUID for a lower-case canonical id string, else nil. Decoded here, in the same pass as the check:
    /// `UUID(uuidString:)` goes through `sscanf`, and ids are parsed several times per job.
    static func parse(_ text: String) -> UUID? {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let valid = withUnsafeMutableBytes(of: &uuid) { out -> Bool in
            var high: UInt8?
            var written = 0
            for (index, byte) in utf8.enumerated() {
                let nibble: UInt8
                switch (index, byte) {
                case (8, 45), (13, 45), (18, 45), (23, 45): continue
                case (8, _), (13, _), (18, _), (23, _): return false
                case (_, 48...57): nibble = byte - 48
                case (_, 97...102): nibble = byte - 87
                default: return false
                }
                if let first = high {
                    out[written] = first << 4 | nibble
                    written += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
            return written == 16
        }
        return valid ? UUID(uuid: uuid) : nil
    }

    /// The UUID for an id the store wrote itself or read from a column (a malformed one is a programming error there).
    static func known(_ text: String) throws -> UUID {
        guard let id = parse(text) else { throw MalformedID(text: text) }
        return id
    }

    /// A SQL expression that reads a text expression as a uuid when it is a lower-case canonical id, else NULL: for
    /// joining ids kept in JSON metadata to uuid keys without a cast error (and with the key's index).
    static func uuidOrNull(_ expression: String) -> String {
        "(CASE WHEN \(expression) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN (\(expression))::uuid END)"
    }
}

extension UUID {
    /// The lower-case canonical text the domain uses for ids.
    var lower: String { uuidString.lowercased() }
}

/// An id the store itself produced was not a UUID.
struct MalformedID: Error, CustomStringConvertible {
    let text: String
    var description: String { "not a lower-case UUID: \(text)" }
}

/// JSON read back from `jsonb`, in the form the stores write it. PostgreSQL normalises `jsonb` (keys ordered by length,
/// spaces after separators, no `\u003c` escapes); the documents the stores write are `CompactJSON` with object keys
/// sorted, so re-writing that way returns the bytes SQLite would have kept.
enum StoredDocument {
    static func canonical(_ text: String) -> String {
        guard let parsed = try? JSONParser.parseFirst(Array(text.utf8)).value else { return text }
        return CompactJSON.encode(sortedKeys(parsed))
    }

    private static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields): return .object(fields.sorted { $0.0 < $1.0 }.map { ($0.0, sortedKeys($0.1)) })
        case .array(let items): return .array(items.map(sortedKeys))
        default: return value
        }
    }
}

extension PSQLError {
    /// The SQLSTATE of a server error, if this is one.
    var sqlState: String? { serverInfo?[.sqlState] }
    /// A unique or primary-key violation (23505).
    var isUniqueViolation: Bool { sqlState == "23505" }
    /// A foreign-key violation (23503).
    var isForeignKeyViolation: Bool { sqlState == "23503" }
}
