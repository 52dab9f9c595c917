import Domain
import Foundation
import GRDB
import Synchronization

/// The only door to the SQLite file: intent-named methods, one transaction each.
///
/// Reads use the WAL snapshot readers of a `DatabasePool`; writes take `BEGIN IMMEDIATE` so a
/// read-then-write never fails on a lock upgrade, and several processes can share the file.
public final class AppDatabase: Sendable {
    let pool: DatabasePool
    private let deadlines: QueryDeadlines
    private let timeoutNanos: UInt64
    private let observe: @Sendable (Double) -> Void
    /// The connection background checkpoints run on (`AppDatabase+Checkpoint`), opened on first use.
    private let checkpointer = Mutex<DatabaseQueue?>(nil)
    private let path: String
    /// The queue's finishing writes, committed together (`GroupCommit`).
    private let groupCommit = Mutex<GroupCommit?>(nil)

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
            try db.execute(
                sql: """
                    PRAGMA synchronous = NORMAL;
                    PRAGMA temp_store = MEMORY;
                    PRAGMA journal_size_limit = 67108864;
                    PRAGMA cache_size = -16384;
                    PRAGMA mmap_size = 268435456;
                    PRAGMA wal_autocheckpoint = 8000;
                    """)
            deadlines.install(on: db)
        }
        self.pool = try DatabasePool(path: settings.path, configuration: config)
        self.path = settings.path
        self.deadlines = deadlines
        self.timeoutNanos = UInt64(saturating: settings.queryTimeout * 1_000_000_000)
        self.observe = observe
    }

    /// Runs a read-only access in a snapshot transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines
        let timeout = effectiveTimeout()
        return try await pool.read { db in try deadlines.with(db, timeoutNanos: timeout) { try body(db) } }
    }

    /// A short read on the calling thread, outside a transaction: no hop to a reader queue and back and
    /// no BEGIN/COMMIT, which the profile of the authenticated read path showed costing more than the
    /// query. Only for reads bounded by an index lookup of a few rows (it holds the calling thread), whose
    /// statements need no common snapshot (each SELECT is consistent on its own).
    func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines
        let timeout = effectiveTimeout()
        return try pool.unsafeRead { db in try deadlines.with(db, timeoutNanos: timeout) { try body(db) } }
    }

    /// Runs a write access in one `BEGIN IMMEDIATE` transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines
        let timeout = effectiveTimeout()
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

    /// The background checkpoint connection: the same file, its own connection, so a checkpoint's fsync
    /// never holds the writer.
    func checkpointConnection() throws -> DatabaseQueue {
        try checkpointer.withLock { current in
            if let current { return current }
            var config = Configuration()
            config.busyMode = .timeout(1)
            let made = try DatabaseQueue(path: path, configuration: config)
            current = made
            return made
        }
    }

    /// Runs `body` in a shared write transaction with the other queue writes handed over meanwhile
    /// (group commit); returns after that transaction committed. For short, fenced queue writes only.
    func batchedWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let batcher = groupCommit.withLock { current -> GroupCommit in
            if let current { return current }
            let made = GroupCommit { [unowned self] work in try await self.write { db in try work(db) } }
            current = made
            return made
        }
        return try await batcher.run(body)
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
    public func close() throws {
        try checkpointer.withLock {
            try $0?.close()
            $0 = nil
        }
        try pool.close()
    }
}

extension DatabaseError {
    /// True for UNIQUE and PRIMARY KEY violations.
    var isUniqueViolation: Bool {
        extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }
}
