import Domain
import Foundation
import GRDB
import Storage
import Synchronization

/// The SQLite engine of the store protocols: intent-named methods, one transaction each.
///
/// Built from an injected `DatabaseWriter` (GRDB's demo-app pattern): a `DatabasePool` on the file in production,
/// where reads use WAL snapshot readers and writes take `BEGIN IMMEDIATE` so a read-then-write never fails on a lock
/// upgrade and several processes can share the file; a `DatabaseQueue` on a temporary file or in memory in tests.
public final class SQLiteStore: Sendable {
    let pool: any DatabaseWriter
    private let deadlines: QueryDeadlines
    private let timeoutNanos: UInt64
    private let observe: @Sendable (Double) -> Void
    /// The connection background checkpoints run on (`SQLiteStore+Checkpoint`), opened on first use.
    private let checkpointer = Mutex<DatabaseQueue?>(nil)
    /// The database file; nil in memory (no checkpoints, no backups).
    let path: String?
    /// The queue's finishing writes, committed together (`GroupCommit`).
    private let groupCommit = Mutex<GroupCommit?>(nil)
    /// The connections of `quickRead` on a file (`ReadLanes`); nil for a store over one connection.
    let quickReaders: ReadLanes?
    /// The threads reply jobs read, kept across the queue's batched writes (`ReplyThreadCache`).
    let threads = ReplyThreadCache()

    /// A store over `writer`, whose connections were configured by `makeConfiguration(_:deadlines:)` with the same
    /// `deadlines`. `path` is the file (nil in memory).
    /// - Parameter observe: receives the duration in seconds of every database call (for metrics).
    public convenience init(
        _ writer: any DatabaseWriter, path: String?, deadlines: QueryDeadlines, queryTimeout: Double,
        observe: @escaping @Sendable (Double) -> Void = { _ in }
    ) {
        self.init(writer, path: path, deadlines: deadlines, queryTimeout: queryTimeout, quickReaders: nil, observe: observe)
    }

    /// The same, with `quickRead` on `quickReaders` (connections on the same file) instead of the writer's readers.
    init(
        _ writer: any DatabaseWriter, path: String?, deadlines: QueryDeadlines, queryTimeout: Double, quickReaders: ReadLanes?,
        observe: @escaping @Sendable (Double) -> Void
    ) {
        self.pool = writer
        self.quickReaders = quickReaders
        self.path = path
        self.deadlines = deadlines
        self.timeoutNanos = UInt64(saturating: queryTimeout * 1_000_000_000)
        self.observe = observe
    }

    /// Opens (creating if needed) the database file and its directory, as a WAL `DatabasePool`.
    public static func open(settings: DatabaseSettings, observe: @escaping @Sendable (Double) -> Void = { _ in }) throws -> SQLiteStore {
        let directory = URL(fileURLWithPath: settings.path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let deadlines = QueryDeadlines()
        let configuration = makeConfiguration(settings, deadlines: deadlines)
        let pool = try DatabasePool(path: settings.path, configuration: configuration)
        // Opened after the pool, which put the file in WAL mode.
        let lanes = try ReadLanes(path: settings.path, configuration: configuration, count: settings.quickReadConnections)
        return SQLiteStore(
            pool, path: settings.path, deadlines: deadlines, queryTimeout: settings.queryTimeout, quickReaders: lanes, observe: observe)
    }

    /// A store in memory (one connection), for tests of the store itself.
    public static func inMemory() throws -> SQLiteStore {
        let deadlines = QueryDeadlines()
        let settings = DatabaseSettings(path: ":memory:")
        let queue = try DatabaseQueue(configuration: makeConfiguration(settings, deadlines: deadlines))
        return SQLiteStore(queue, path: nil, deadlines: deadlines, queryTimeout: settings.queryTimeout)
    }

    /// The configuration of every connection: foreign keys on, the busy timeout, the PRAGMAs the queue's throughput
    /// rests on, and the statement-deadline hook (`DB_QUERY_TIMEOUT`).
    public static func makeConfiguration(_ settings: DatabaseSettings, deadlines: QueryDeadlines) -> Configuration {
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
        return config
    }

    /// Runs a read-only access in a snapshot transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines
        let timeout = effectiveTimeout()
        return try await pool.read { db in try deadlines.with(db, timeoutNanos: timeout) { try body(db) } }
    }

    /// A short read outside a transaction: no BEGIN/COMMIT around a single SELECT, which the profile of the
    /// authenticated read path showed costing more than the query. Only for reads bounded by an index lookup of a
    /// few rows whose statements need no common snapshot (each SELECT is consistent on its own).
    ///
    /// Never a synchronous read: a blocking wait for a reader on a thread of Swift's cooperative pool deadlocks
    /// the executor against GRDB's reader queues under load (they share libdispatch's worker threads on Linux),
    /// so every database access from async code goes through GRDB's async API. On a file the read runs on the
    /// store's own read-only lanes (`ReadLanes`: one hop to a lane and one back, instead of the pool's four).
    func quickRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines
        let timeout = effectiveTimeout()
        let work: @Sendable (Database) throws -> T = { db in try deadlines.with(db, timeoutNanos: timeout) { try body(db) } }
        if let quickReaders { return try await quickReaders.read(work) }
        return try await pool.unsafeRead(work)
    }

    /// Runs a write access in one `BEGIN IMMEDIATE` transaction. A foreign key that fails (a row the write refers to
    /// was deleted meanwhile, typically the caller's account) is `DomainError.referenceGone`, never a 500.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let start = QueryDeadlines.monotonicNanos()
        defer { observe(Double(QueryDeadlines.monotonicNanos() - start) / 1e9) }
        let deadlines = self.deadlines
        let timeout = effectiveTimeout()
        do {
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
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
            throw DomainError.referenceGone
        }
    }

    /// The background checkpoint connection: the same file, its own connection, so a checkpoint's fsync
    /// never holds the writer.
    func checkpointConnection() throws -> DatabaseQueue? {
        guard let path else { return nil }
        return try checkpointer.withLock { current in
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
            let threads = self.threads
            let made = GroupCommit { [unowned self] work in
                do {
                    try await self.write { db in try work(db) }
                } catch {
                    threads.rolledBack()
                    throw error
                }
                threads.committed()
            }
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
    public func close() async throws {
        try checkpointer.withLock {
            try $0?.close()
            $0 = nil
        }
        try quickReaders?.close()
        try pool.close()
    }
}

extension DatabaseError {
    /// True for UNIQUE and PRIMARY KEY violations.
    var isUniqueViolation: Bool {
        extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE || extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
    }
}
