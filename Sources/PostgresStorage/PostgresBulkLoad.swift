import Domain
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One dedicated connection for `move-to-postgres`: statements the mover builds from its own table list (never from
/// outside input), `COPY … FROM STDIN` in PostgreSQL's text format, and rows read back as text in the forms SQLite
/// keeps them (uuids lower-case, timestamps in the stored UTC form, booleans `t`/`f`), for the checksums.
public struct PostgresBulkLoad: Sendable {
    let raw: PostgresConnection
    let logger: Logger

    /// Runs one statement the mover built (table and column names from its own list).
    public func execute(_ sql: String) async throws {
        _ = try await raw.query(PostgresQuery(unsafeSQL: sql), logger: logger).get()
    }

    /// The first column of the first row as an integer; nil without a row or for NULL.
    public func int(_ sql: String) async throws -> Int? {
        guard let row = try await raw.query(PostgresQuery(unsafeSQL: sql), logger: logger).get().rows.first else { return nil }
        return try row.decode(Int?.self)
    }

    /// The first column of every row as text.
    public func strings(_ sql: String) async throws -> [String] {
        try await raw.query(PostgresQuery(unsafeSQL: sql), logger: logger).get().rows.map { try $0.decode(String.self) }
    }

    /// `COPY table(columns) FROM STDIN` (text format); `produce` sends the data through the function it is given and
    /// returns when it has sent all of it. A failing `produce` (or a row the server rejects) fails the COPY, and with
    /// it the transaction it runs in.
    public func copy(
        table: String, columns: [String], _ produce: (_ send: ([UInt8]) async throws -> Void) async throws -> Void
    ) async throws {
        try await raw.copyFrom(table: table, columns: columns, logger: logger) { writer in
            try await produce { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
        }
    }

    /// Streams the rows of `sql` (with back-pressure) to `body` as text: uuids lower-case, `timestamptz` in the stored
    /// UTC form, booleans `t`/`f`, integers in decimal, anything else as the server's text (select `jsonb`, enums and
    /// dates as text).
    public func forEachRow(_ sql: String, _ body: ([String?]) throws -> Void) async throws {
        let rows: PostgresRowSequence = try await raw.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        var values: [String?] = []
        for try await row in rows {
            values.removeAll(keepingCapacity: true)
            for cell in row { values.append(try Self.text(cell)) }
            try body(values)
        }
    }

    static func text(_ cell: PostgresCell) throws -> String? {
        guard cell.bytes != nil else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8: return String(try cell.decode(Int.self))
        case .bool: return try cell.decode(Bool.self) ? "t" : "f"
        case .uuid: return try cell.decode(UUID.self).lower
        case .timestamptz, .timestamp: return try cell.decode(Timestamp.self).storageString
        default: return try cell.decode(String.self)
        }
    }
}

extension PostgresStore {
    /// Runs `body` on one connection of the pool, held for all of it (a move is one transaction on one session). It
    /// takes a slot of the gate like every other lease, without a time limit (the mover is the only user).
    public func withBulkLoad<T: Sendable>(_ body: (PostgresBulkLoad) async throws -> T) async throws -> T {
        try await gate.enter(until: nil) { DatabaseUnavailable.timedOut(0) }
        defer { gate.leave() }
        return try await client.withConnection { connection in try await body(PostgresBulkLoad(raw: connection, logger: logger)) }
    }

    /// The versions recorded in `schema_migrations` (empty when the table does not exist yet).
    public func appliedMigrationVersions() async throws -> [String] {
        try await quick { db -> [String] in
            guard try await db.value("SELECT to_regclass('schema_migrations') IS NOT NULL", as: Bool.self) == true else { return [] }
            return try await db.column("SELECT version FROM schema_migrations ORDER BY version", as: String.self)
        }
    }

    /// The rows of `table` when it exists, else nil (`table` is one of the mover's own names).
    public func rowCountIfTableExists(_ table: String) async throws -> Int? {
        try await quick { db -> Int? in
            guard try await db.value("SELECT to_regclass(\(table)) IS NOT NULL", as: Bool.self) == true else { return nil }
            return try await db.value(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), as: Int.self)
        }
    }
}
