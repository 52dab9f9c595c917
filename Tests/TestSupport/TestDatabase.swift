import Foundation

/// The one way tests look at or change rows directly: to verify what a route or a process wrote, and to inject a
/// fault or a state no API can make. Engine-neutral: statements use `?` placeholders (an engine that numbers its
/// parameters translates them) and values come back as text, so the same test runs on every engine as long as its
/// SQL is portable. Prefer the store protocols or the API; reach for this only for what they cannot say.
public struct TestDatabase: Sendable {
    let engine: any TestDatabaseEngine

    /// The database of the app or store under test in `dir`, on the directory's engine.
    public static func open(_ dir: TestDirectory) async throws -> TestDatabase {
        TestDatabase(engine: try await dir.backend.openDatabase(dir))
    }

    /// A SQLite file that is not a test directory's live database (a backup, a restored or replaced copy, a foreign
    /// file): for the tests of SQLite's own operations only.
    public static func sqliteFile(_ path: String) throws -> TestDatabase {
        TestDatabase(engine: try SQLiteTestDatabase(path: path))
    }

    /// Runs one statement (or, on SQLite, several separated by semicolons) that returns no rows.
    public func execute(_ sql: String, _ arguments: [any SQLArgument] = []) async throws {
        try await engine.execute(sql, arguments.map(\.sqlValue))
    }

    /// Every row, column name → text value (nil for NULL).
    public func rows(_ sql: String, _ arguments: [any SQLArgument] = []) async throws -> [[String: String?]] {
        let result = try await engine.query(sql, arguments.map(\.sqlValue))
        return result.values.map { row in
            Dictionary(zip(result.columns, row).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// The first column of the first row as text; nil when there is no row or the value is NULL.
    public func string(_ sql: String, _ arguments: [any SQLArgument] = []) async throws -> String? {
        try await engine.query(sql, arguments.map(\.sqlValue)).values.first?.first ?? nil
    }

    /// The first column of the first row as an integer; nil when there is no row, the value is NULL or not an integer.
    public func int(_ sql: String, _ arguments: [any SQLArgument] = []) async throws -> Int? {
        try await string(sql, arguments).flatMap { Int($0) }
    }

    /// The first column of every row, NULLs left out.
    public func strings(_ sql: String, _ arguments: [any SQLArgument] = []) async throws -> [String] {
        try await engine.query(sql, arguments.map(\.sqlValue)).values.compactMap { $0.first ?? nil }
    }

    /// The first column of every row as integers, NULLs and non-integers left out.
    public func ints(_ sql: String, _ arguments: [any SQLArgument] = []) async throws -> [Int] {
        try await strings(sql, arguments).compactMap { Int($0) }
    }

    /// Closes the connection now (it also closes when the last copy of this value goes away).
    public func close() async throws { try await engine.close() }
}

/// What an engine implements for `TestDatabase`.
protocol TestDatabaseEngine: Sendable {
    func execute(_ sql: String, _ arguments: [SQLValue]) async throws
    func query(_ sql: String, _ arguments: [SQLValue]) async throws -> (columns: [String], values: [[String?]])
    func close() async throws
}

/// A statement argument, engine-neutral.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    /// A boolean (SQLite stores 0/1; PostgreSQL has a boolean type).
    case bool(Bool)
}

/// A Swift value that can be bound to a `?` placeholder.
public protocol SQLArgument: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLArgument { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLArgument { public var sqlValue: SQLValue { .text(String(self)) } }
extension Int: SQLArgument { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLArgument { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLArgument { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLArgument { public var sqlValue: SQLValue { .bool(self) } }
extension Optional: SQLArgument where Wrapped: SQLArgument {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}
