import Domain
import Foundation
import GRDB

/// The only door to the SQLite file: intent-named methods, one transaction each.
///
/// Reads use the WAL snapshot readers of a `DatabasePool`; writes take `BEGIN IMMEDIATE` so a
/// read-then-write never fails on a lock upgrade, and several processes can share the file.
public final class AppDatabase: Sendable {
    let pool: DatabasePool
    private let deadlines: QueryDeadlines
    private let timeoutNanos: UInt64
    private let observe: @Sendable (Double) -> Void

    /// Opens (creating if needed) the database file and its directory.
    /// - Parameter observe: receives the duration in seconds of every database call (for metrics).
    public init(settings: DatabaseSettings, observe: @escaping @Sendable (Double) -> Void = { _ in }) throws {
        let directory = URL(fileURLWithPath: settings.path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let deadlines = QueryDeadlines()
        var config = Configuration()
        config.busyMode = .timeout(settings.busyTimeout)
        config.maximumReaderCount = settings.maximumReaderCount
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            try db.execute(sql: """
                PRAGMA synchronous = NORMAL;
                PRAGMA temp_store = MEMORY;
                PRAGMA journal_size_limit = 67108864;
                """)
            deadlines.install(on: db)
        }
        self.pool = try DatabasePool(path: settings.path, configuration: config)
        self.deadlines = deadlines
        self.timeoutNanos = UInt64(max(0, settings.queryTimeout) * 1_000_000_000)
        self.observe = observe
    }

    /// Runs a read-only access in a snapshot transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines, timeout = effectiveTimeout()
        return try await pool.read { db in try deadlines.with(db, timeoutNanos: timeout) { try body(db) } }
    }

    /// Runs a write access in one `BEGIN IMMEDIATE` transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines, timeout = effectiveTimeout()
        return try await pool.writeWithoutTransaction { db in
            try deadlines.with(db, timeoutNanos: timeout) {
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        }
    }

    /// `DB_QUERY_TIMEOUT`, shortened to what is left of the caller's deadline (at least 1 ms).
    private func effectiveTimeout() -> UInt64 {
        let deadline = RequestDeadline.nanos
        guard deadline > 0 else { return timeoutNanos }
        let now = QueryDeadlines.monotonicNanos()
        let remaining = deadline > now ? deadline - now : 1_000_000
        return timeoutNanos == 0 ? remaining : min(timeoutNanos, remaining)
    }

    /// Closes all connections (used at shutdown and by tests).
    public func close() throws { try pool.close() }
}

extension DatabaseError {
    /// True for UNIQUE and PRIMARY KEY violations.
    var isUniqueViolation: Bool {
        extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }
}
