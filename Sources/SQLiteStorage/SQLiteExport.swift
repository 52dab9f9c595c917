import Foundation
import GRDB

/// Reads a database file's rows as text for `move-to-postgres`: one read-only connection, every table read inside one
/// read transaction (one consistent snapshot of the whole file), rows streamed through a cursor so memory stays flat
/// whatever the table's size. Never writes (the file is opened read-only).
public struct SQLiteExport: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// A value that is not text, an integer or NULL (no column the appliance writes holds one).
    public struct UnexpectedValue: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `body` on the file inside one read transaction.
    public func snapshot<T>(_ body: (Snapshot) throws -> T) throws -> T {
        var config = Configuration()
        config.readonly = true
        config.label = "export"
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        return try queue.inDatabase { db in
            var result: T?
            try db.inTransaction(.deferred) {
                result = try body(Snapshot(db: db))
                return .commit
            }
            return result!
        }
    }

    /// The snapshot's rows.
    public struct Snapshot {
        let db: Database

        /// The rows of a `SELECT COUNT(*)`-like statement's first column, as an integer.
        public func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }

        /// The names of the tables in the file (SQLite's own tables left out).
        public func tables() throws -> [String] {
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }

        /// A table's column names, in declaration order.
        public func columns(of table: String) throws -> [String] {
            try String.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid", arguments: [table])
        }

        /// The AUTOINCREMENT counter of `table` (the largest id it ever handed out), nil when it has none.
        public func autoincrementCounter(_ table: String) throws -> Int64? {
            guard try db.tableExists("sqlite_sequence") else { return nil }
            return try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = ?", arguments: [table])
        }

        /// Calls `body` with each row of `sql`, values as text (integers in decimal, nil for NULL). The array passed is
        /// reused from row to row.
        public func forEachRow(_ sql: String, _ body: ([String?]) throws -> Void) throws {
            let statement = try db.makeStatement(sql: sql)
            let cursor = try Row.fetchCursor(statement)
            var values = [String?](repeating: nil, count: statement.columnCount)
            while let row = try cursor.next() {
                for index in values.indices {
                    let value: DatabaseValue = row[index]
                    switch value.storage {
                    case .null: values[index] = nil
                    case .int64(let number): values[index] = String(number)
                    case .string(let text): values[index] = text
                    case .double(let number): values[index] = String(number)
                    case .blob:
                        throw UnexpectedValue(description: "a binary value in column \(statement.columnNames[index]) of: \(sql)")
                    }
                }
                try body(values)
            }
        }
    }
}
