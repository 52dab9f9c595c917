import Logging
import PostgresNIO

/// A leased connection, with the few ways the store runs statements on it.
struct Connection: Sendable {
    let raw: PostgresConnection
    let logger: Logger

    /// Runs a statement and returns every row.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await raw.query(query, logger: logger).get().rows
    }

    /// Runs a statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ query: PostgresQuery) async throws -> Int {
        try await raw.query(query, logger: logger).get().metadata.rows ?? 0
    }

    /// The first column of the first row, if there is a row.
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        guard let row = try await rows(query).first else { return nil }
        return try row.decode(T.self)
    }

    /// The first column of every row.
    func column<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> [T] {
        try await rows(query).map { try $0.decode(T.self) }
    }

    /// A prepared statement's rows (the statement is parsed once per connection).
    func prepared<S: PostgresPreparedStatement>(_ statement: S) async throws -> [S.Row] {
        var out: [S.Row] = []
        for try await row in try await raw.execute(statement, logger: logger) { out.append(row) }
        return out
    }

    /// Runs `body` between `begin` and COMMIT; on any error rolls back and rethrows the error unchanged.
    func transaction<T: Sendable>(_ begin: String, _ body: @Sendable (Connection) async throws -> T) async throws -> T {
        try await execute(PostgresQuery(unsafeSQL: begin))
        do {
            let value = try await body(self)
            try await execute("COMMIT")
            return value
        } catch {
            _ = try? await execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` inside a savepoint: on an error only its own writes are undone (and the transaction stays usable,
    /// which a failed statement otherwise ends), then the error is rethrown.
    func savepoint<T: Sendable>(_ name: String, _ body: @Sendable (Connection) async throws -> T) async throws -> T {
        try await execute(PostgresQuery(unsafeSQL: "SAVEPOINT \(name)"))
        do {
            let value = try await body(self)
            try await execute(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
            return value
        } catch {
            try await execute(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"))
            try await execute(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
            throw error
        }
    }
}
