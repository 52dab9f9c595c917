import Foundation
import GRDB

/// `TestDatabase` on a SQLite file: its own GRDB connection beside the app's. TestSupport is the only test helper
/// that imports GRDB; tests of the SQLite engine itself live in `SQLiteStorageTests`.
struct SQLiteTestDatabase: TestDatabaseEngine {
    let queue: DatabaseQueue

    /// A connection on the file at `path` (created when missing). It waits up to 10 s for the write lock: the app
    /// under test may hold it for a moment (its event writer, a batch of finished jobs); the wait is a bound for a
    /// stuck writer, not a measurement, so it is generous.
    init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: config)
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) async throws {
        let bound = Self.arguments(arguments)
        try await queue.write { db in try db.execute(sql: sql, arguments: bound) }
    }

    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> (columns: [String], values: [[String?]]) {
        let bound = Self.arguments(arguments)
        return try await queue.read { db in
            let statement = try db.makeStatement(sql: sql)
            let rows = try Row.fetchAll(statement, arguments: bound)
            return (statement.columnNames, rows.map { row in row.databaseValues.map(Self.text) })
        }
    }

    func close() async throws { try queue.close() }

    static func arguments(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(
            values.map { value -> (any DatabaseValueConvertible)? in
                switch value {
                case .null: nil
                case .integer(let n): n
                case .real(let x): x
                case .text(let s): s
                case .bool(let b): b ? 1 : 0
                }
            })
    }

    /// A value as the text `TestDatabase` returns.
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: nil
        case .int64(let n): String(n)
        case .double(let x): String(x)
        case .string(let s): s
        case .blob(let data): String(decoding: data, as: UTF8.self)
        }
    }
}
