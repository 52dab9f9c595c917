import Logging
import NIOCore
import PostgresNIO

/// A leased connection, with the few ways the store runs statements on it.
///
/// Every statement is handed to postgres-nio on the connection's own event loop, right after checking there that the
/// connection is still open. Why: postgres-nio 1.33 writes a statement to its channel without a write promise, so a
/// statement written after a closed channel has dropped its handlers is never answered, and its caller waits forever
/// (upstream vapor/postgres-nio#487, reverted by #501). That happened whenever a connection closed under a running
/// operation (the pool stopped, the server went away): the statement that failed was followed by a ROLLBACK that never
/// returned, and the worker loop or request holding it never ended. On the event loop the check and the write run
/// together, so a statement either reaches the connection's handler (which answers it, with an error if the
/// connection closes later) or fails at once with `DatabaseUnavailable.connectionClosed`.
struct Connection: Sendable {
    let raw: PostgresConnection
    let logger: Logger
    private let loop: EventLoopIsolation

    init(raw: PostgresConnection, logger: Logger) {
        self.raw = raw
        self.logger = logger
        self.loop = EventLoopIsolation(raw.eventLoop)
    }

    /// Runs a statement and returns every row.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        try await result(of: query).rows
    }

    /// Runs a statement and returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(_ query: PostgresQuery) async throws -> Int {
        try await result(of: query).metadata.rows ?? 0
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

    /// A prepared statement's rows (the statement is parsed once per connection). postgres-nio's `execute` runs on
    /// its caller's executor until it has written the statement, so called from the event loop it writes there.
    /// Each statement type keeps its name in a `static let` (`String(reflecting: Self.self)`, postgres-nio's default
    /// name): the default is a computed property that reflects on the type at every execution, 1 % of the worker
    /// process's CPU in the queue benchmark.
    func prepared<S: PostgresPreparedStatement>(_ statement: S) async throws -> [S.Row] where S.Row: Sendable {
        let raw = self.raw
        let logger = self.logger
        return try await loop.run { _ in
            guard !raw.isClosed else { throw DatabaseUnavailable.connectionClosed }
            var out: [S.Row] = []
            for try await row in try await raw.execute(statement, logger: logger) { out.append(row) }
            return out
        }
    }

    /// Sends `query` from the event loop if the connection is open there, then waits for its answer.
    private func result(of query: PostgresQuery) async throws -> PostgresQueryResult {
        let raw = self.raw
        let logger = self.logger
        let answer = try await loop.run { _ in
            guard !raw.isClosed else { throw DatabaseUnavailable.connectionClosed }
            return raw.query(query, logger: logger)
        }
        return try await answer.get()
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

/// Code isolated to an event loop: an actor whose executor is the loop, so `run` executes its body on the loop's
/// thread, in order with the loop's own work (such as closing a channel).
actor EventLoopIsolation {
    private let eventLoop: any EventLoop

    nonisolated var unownedExecutor: UnownedSerialExecutor { eventLoop.executor.asUnownedSerialExecutor() }

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func run<T: Sendable>(_ body: @Sendable (isolated EventLoopIsolation) async throws -> T) async throws -> T {
        try await body(self)
    }
}

/// An event loop as a task executor: code run under `withTaskExecutorPreference(_:)` with it runs on the loop's thread.
///
/// Why: a statement's answer arrives on the connection's event loop, and a task on the shared cooperative pool is woken
/// there from that thread, then hops back to the loop for its next statement: two thread hand-offs per round trip,
/// which made the kernel's scheduler the largest cost of a queue batch (several statements back to back). A batch run
/// with the connection's loop as its executor continues on the thread the answer arrived on.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
