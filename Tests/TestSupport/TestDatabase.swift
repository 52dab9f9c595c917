import Foundation
import GRDB
import PostgresNIO

/// A test's direct access to the database behind the app under test, on either engine: fixtures the API cannot make
/// and checks of rows the API does not show. Statements are plain SQL both engines read alike; `?` placeholders take
/// string arguments (on PostgreSQL they are written in as quoted literals, which the server types from the column, so
/// an id compares with a uuid column as it does with SQLite's text). Values come back as text (NULL as nil).
public struct TestDatabase: Sendable {
    enum Backing: Sendable {
        case sqlite(path: String)
        case postgres(cluster: PostgresCluster, database: String)
    }

    let backing: Backing

    public var engine: TestEngine {
        if case .sqlite = backing { return .sqlite }
        return .postgres
    }

    /// Every row, as column name → text.
    public func rows(_ sql: String, _ arguments: [String] = []) async throws -> [[String: String]] {
        switch backing {
        case .sqlite(let path):
            var config = Configuration()
            config.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try await queue.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                    var out: [String: String] = [:]
                    for (name, value) in row {
                        switch value.storage {
                        case .null: break
                        case .int64(let n): out[name] = String(n)
                        case .double(let d): out[name] = String(d)
                        case .string(let text): out[name] = text
                        case .blob(let data): out[name] = String(decoding: data, as: UTF8.self)
                        }
                    }
                    return out
                }
            }
        case .postgres(let cluster, let database):
            let inlined = Self.inline(sql, arguments)
            let rows = try await cluster.query(database, "SELECT to_jsonb(t)::text FROM (\(inlined)) t")
            return try rows.map { row in
                let text = try row.decode(String.self)
                let object = (try JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
                var out: [String: String] = [:]
                for (key, value) in object where !(value is NSNull) {
                    if let string = value as? String {
                        out[key] = string
                    } else if value is [Any] || value is [String: Any] {
                        // A jsonb column: its JSON text.
                        out[key] = String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
                    } else if let bool = value as? Bool, type(of: value) == Bool.self {
                        out[key] = bool ? "1" : "0"
                    } else {
                        out[key] = "\(value)"
                    }
                }
                return out
            }
        }
    }

    /// Runs a statement that returns no rows.
    public func execute(_ sql: String, _ arguments: [String] = []) async throws {
        switch backing {
        case .sqlite(let path):
            var config = Configuration()
            config.busyMode = .timeout(10)
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            try await queue.write { db in try db.execute(sql: sql, arguments: StatementArguments(arguments)) }
        case .postgres(let cluster, let database):
            _ = try await cluster.query(database, Self.inline(sql, arguments))
        }
    }

    /// The first column of the first row as an integer (a `COUNT(*)`); -1 when there is none.
    public func int(_ sql: String, _ arguments: [String] = []) async throws -> Int {
        let rows = try await rows(sql, arguments)
        guard let row = rows.first, row.count == 1, let value = row.values.first else { return -1 }
        return Int(value) ?? -1
    }

    /// `?` placeholders replaced by quoted literals, in order.
    static func inline(_ sql: String, _ arguments: [String]) -> String {
        var out = ""
        var remaining = arguments[...]
        for character in sql {
            if character == "?", let value = remaining.popFirst() {
                out += "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
            } else {
                out.append(character)
            }
        }
        return out
    }
}
