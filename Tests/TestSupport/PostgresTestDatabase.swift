import Domain
import Foundation
import PostgresNIO

/// `TestDatabase` on a PostgreSQL database of the test cluster. `?` placeholders become literals (quoted text, which
/// the server types from the column it meets, so an id compares with a uuid column as it does with SQLite's text);
/// values come back as text in SQLite's forms (uuids lower-case, timestamps in the stored UTC form, booleans 0/1).
struct PostgresTestDatabase: TestDatabaseEngine {
    let cluster: PostgresCluster
    let database: String

    func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
        _ = try await cluster.query(database, Self.inline(sql, arguments))
    }

    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> (columns: [String], values: [[String?]]) {
        let rows = try await cluster.query(database, Self.inline(sql, arguments))
        guard let first = rows.first else { return ([], []) }
        return (first.map(\.columnName), try rows.map { row in try row.map(Self.text) })
    }

    func close() async throws {}

    static func text(_ cell: PostgresCell) throws -> String? {
        guard cell.bytes != nil else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8: return String(try cell.decode(Int.self))
        case .bool: return try cell.decode(Bool.self) ? "1" : "0"
        case .float4, .float8: return String(try cell.decode(Double.self))
        case .uuid: return try cell.decode(UUID.self).uuidString.lowercased()
        case .timestamptz, .timestamp: return try cell.decode(Timestamp.self).storageString
        default: return try cell.decode(String.self)
        }
    }

    static func inline(_ sql: String, _ arguments: [SQLValue]) -> String {
        var out = ""
        var remaining = arguments[...]
        for character in sql {
            guard character == "?", let value = remaining.popFirst() else {
                out.append(character)
                continue
            }
            switch value {
            case .null: out += "NULL"
            case .integer(let n): out += String(n)
            case .real(let d): out += String(d)
            case .bool(let b): out += b ? "TRUE" : "FALSE"
            case .text(let s): out += "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
            }
        }
        return out
    }
}
