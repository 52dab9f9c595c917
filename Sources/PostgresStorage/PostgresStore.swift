import Domain
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Storage
import Synchronization

/// The PostgreSQL engine of the store protocols (postgres-nio, no ORM): intent-named methods, one transaction each,
/// the same observable behaviour as the SQLite engine statement by statement. Writes run at READ COMMITTED and stay
/// correct with any number of concurrent writers (conditional upserts, `FOR UPDATE SKIP LOCKED` claims, fenced
/// finishing writes); multi-statement reads run in one REPEATABLE READ snapshot.
///
/// The connection pool is a `PostgresClient`, which only serves while its `run()` runs: `serve` runs it as a service
/// (`PostgresStore` is one), commands and tests call `start()`, which runs it in a task of the store's own until
/// `close()`.
public final class PostgresStore: Service, Sendable {
    let client: PostgresClient
    public let settings: PostgresSettings
    let logger: Logger
    private let observe: @Sendable (Double) -> Void
    /// Leased and waiting calls, for `/metrics`.
    private let pool: PoolAccounting
    /// The pool's run task when `start()` started it (closed by `close()`).
    private let ownTask = Mutex<Task<Void, Never>?>(nil)
    /// The queue's finishing writes, committed together (`PostgresGroupCommit`).
    private let groupCommit = Mutex<PostgresGroupCommit?>(nil)
    /// When a chained claim last looked for expired leases (`chainedClaimReaps`).
    let lastChainedReap = Mutex<Timestamp?>(nil)
    /// At most `poolSize` operations hold or wait in the pool; the rest wait here (`LeaseGate`).
    let gate: LeaseGate

    /// A store for `settings`. Opens no connection: the pool connects when `run()` (or `start()`) runs and a query
    /// needs one, and reconnects by itself after the server went away.
    /// - Parameters:
    ///   - observe: receives the duration in seconds of every database call (for metrics).
    ///   - observePool: receives each lease's wait and each call that gave up waiting for a connection.
    public init(
        settings: PostgresSettings, logger: Logger, observe: @escaping @Sendable (Double) -> Void = { _ in },
        observePool: ConnectionPoolObserver = .none
    ) {
        self.settings = settings
        self.logger = logger
        self.observe = observe
        self.pool = PoolAccounting(size: max(1, settings.poolSize), observer: observePool)
        self.gate = LeaseGate(capacity: max(1, settings.poolSize))
        self.client = PostgresClient(configuration: Self.clientConfiguration(settings), backgroundLogger: logger)
    }

    /// The pool now: its size, the connections leased to calls and the calls waiting for one.
    public var poolFigures: ConnectionPoolFigures { pool.figures }

    static func clientConfiguration(_ settings: PostgresSettings) -> PostgresClient.Configuration {
        var tlsConfig = TLSConfiguration.makeClientConfiguration()
        // As libpq's `prefer` and `require`: encrypted, server certificate not verified (`verify-full` verifies it).
        if settings.tls != .verifyFull { tlsConfig.certificateVerification = .none }
        let tls: PostgresClient.Configuration.TLS
        switch settings.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(tlsConfig)
        case .require, .verifyFull: tls = .require(tlsConfig)
        }
        var config: PostgresClient.Configuration
        switch settings.endpoint {
        case .tcp(let host, let port):
            config = .init(host: host, port: port, username: settings.username, password: settings.password, database: settings.database, tls: tls)
        case .socket(let path):
            config = .init(unixSocketPath: path, username: settings.username, password: settings.password, database: settings.database)
        }
        config.options.maximumConnections = max(1, settings.poolSize)
        config.options.minimumConnections = 0
        config.options.connectTimeout = .seconds(10)
        // Every session: UTC (date arithmetic in SQL matches the domain's UTC days), a name in pg_stat_activity, and
        // DB_QUERY_TIMEOUT as the server's own bound on each statement.
        config.options.additionalStartupParameters = [
            ("application_name", "personaworlds"), ("TimeZone", "UTC"),
            ("statement_timeout", String(Int((max(0, settings.queryTimeout) * 1000).rounded()))),
        ]
        return config
    }

    /// Runs the connection pool until the task is cancelled or graceful shutdown begins (the `Service` entry point).
    public func run() async {
        await client.run()
    }

    /// Runs the pool in a task of the store's own, for commands and tests that use the store outside a service group;
    /// `close()` stops it.
    public func start() {
        ownTask.withLock { task in
            guard task == nil else { return }
            let client = self.client
            task = Task { await client.run() }
        }
    }

    /// Stops the pool if `start()` started it (a pool run as a service stops with its service group).
    public func close() async throws {
        let task = ownTask.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    // MARK: Access

    /// A connection for `body`, outside any explicit transaction (each statement commits on its own). For reads of one
    /// statement and for writes of one statement.
    /// `waitAtMost` bounds the wait for a connection below the configured one (the readiness ping's budget).
    func quick<T: Sendable>(waitAtMost: Double? = nil, _ body: @escaping @Sendable (Connection) async throws -> T) async throws -> T {
        try await withConnection(waitAtMost: waitAtMost) { try await body(Connection(raw: $0, logger: self.logger)) }
    }

    /// A read-only REPEATABLE READ transaction: every statement sees one snapshot ("in one read").
    func read<T: Sendable>(_ body: @escaping @Sendable (Connection) async throws -> T) async throws -> T {
        try await withConnection { raw in
            try await Connection(raw: raw, logger: self.logger).transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
        }
    }

    /// A READ COMMITTED write transaction. An error rolls the whole transaction back and is rethrown as it was (a
    /// domain error stays a domain error); no statement is ever retried inside it.
    /// A foreign key that fails (a row the write refers to was deleted meanwhile, typically the caller's account) is
    /// `DomainError.referenceGone`, never a 500 (as on SQLite).
    /// With `onConnectionLoop`, the transaction runs with its connection's event loop as its task executor
    /// (`EventLoopTaskExecutor`): for the queue's transactions of several statements back to back, the group commit's
    /// batches and the enqueues (which hold their personas' rows locked from their first statement to their commit).
    /// On the shared cooperative pool, each statement's answer waits behind whatever the pool is running, under load the
    /// worker loops' jobs: in a `pg-e2e` run the 100 enqueues took 2.0–2.6 s beside the workers, 1.4–1.6 s on their
    /// connections' loops. The body runs on the loop's thread, so it does no long work between its statements.
    func write<T: Sendable>(
        onConnectionLoop: Bool = false, _ body: @escaping @Sendable (Connection) async throws -> T
    ) async throws -> T {
        try await Self.foreignKeyIsReferenceGone {
            try await withConnection { raw in
                let connection = Connection(raw: raw, logger: self.logger)
                guard onConnectionLoop else { return try await connection.transaction("BEGIN", body) }
                return try await withTaskExecutorPreference(EventLoopTaskExecutor(raw.eventLoop)) {
                    try await connection.transaction("BEGIN", body)
                }
            }
        }
    }

    /// Runs `body`, turning a foreign key that failed (a row the write refers to was deleted meanwhile) into
    /// `DomainError.referenceGone`, as SQLite does: never a 500.
    static func foreignKeyIsReferenceGone<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.isForeignKeyViolation {
            throw DomainError.referenceGone
        }
    }

    /// Runs `body` in a shared write transaction with the other queue writes handed over meanwhile (group commit);
    /// returns after that transaction committed. For short, fenced queue writes only.
    func batchedWrite<T: Sendable>(_ body: @escaping @Sendable (Connection) async throws -> T) async throws -> T {
        try await Self.foreignKeyIsReferenceGone { try await groupCommitter().run(body) }
    }

    /// How many of the queue's group-committed batches a node writes at once.
    ///
    /// Why two: with one, a batch's statements, its commit's WAL flush and the round trips between them ran one after
    /// another, and every write handed over meanwhile waited for all of it. Once the enqueues stopped, the node's whole
    /// queue went through that one transaction at a time, and a `pg-e2e` run left a quarter of the machine's CPU idle.
    /// A second lane writes the next batch while the first is still in flight, once as many writes wait as the first
    /// holds (`BatchWriter`): 3–46 % more jobs per second in 6 of 7 side-by-side pairs. A third gained nothing more on
    /// 2 cores. Two lanes are safe side by side as two nodes' batches are: each job's writes are fenced to its own
    /// claim, claims skip locked rows, and the only rows two batches both write (the personas' reply quota counters)
    /// are taken in one order (`AddReplyQuotaUse`, `isolatedOrder`), so the second waits for the first's commit instead
    /// of deadlocking with it.
    static let groupCommitLanes = 2

    /// The store's group commit, made on first use. Its transactions run the queue's prepared statements on their
    /// generic plans (`genericPlans`).
    func groupCommitter() -> PostgresGroupCommit {
        groupCommit.withLock { current -> PostgresGroupCommit in
            if let current { return current }
            let made = PostgresGroupCommit(lanes: Self.groupCommitLanes) { [unowned self] work in
                try await self.write(onConnectionLoop: true) { connection in
                    try await connection.execute(Self.genericPlans)
                    try await work(connection)
                }
            }
            current = made
            return made
        }
    }

    /// The group commit's first statement: each prepared statement of the transaction runs on its generic plan.
    ///
    /// Why: PostgreSQL plans a prepared statement again for its parameters on each execution (a custom plan) until the
    /// generic plan's estimate is no dearer, counted per connection and started over after an ANALYZE of a table the
    /// statement reads (autovacuum analyses the queue's tables every few seconds under load). The claim's two
    /// statements kept being planned: 100–170 plans in 235 claims of a `pg-e2e` run, half a millisecond to a
    /// millisecond each, a tenth of PostgreSQL's CPU for the queue. What their plans depend on (the statuses and the
    /// job type) is written into their SQL, and their parameters are a time, a count and ids, so the generic plan is
    /// the one the custom plans chose (`PostgresGenericPlanTests`). `SET LOCAL` ends with the transaction: the pooled
    /// connection goes back to the server's setting, and other statements keep choosing as PostgreSQL does.
    static let genericPlans: PostgresQuery = "SET LOCAL plan_cache_mode = force_generic_plan"

    /// Leases a pooled connection for `body`, waiting at most the effective timeout for one; past it the operation
    /// throws `DatabaseUnavailable.timedOut` (the route's contract 500), and a cancelled caller stops waiting at once.
    /// The wait is first for a slot of the `LeaseGate` (the pool is busy), then, rarely, for the pool to open a
    /// connection (the server is away or slow to accept; the pool keeps trying and a request must not wait for it).
    /// Once `body` has its connection it runs to the end, each statement bounded by the server's `statement_timeout`
    /// and failing at once if the connection closes (`Connection`): a write is never reported failed after it
    /// committed. Every call is counted while it waits (at the gate or in the pool) and while it holds its connection
    /// (`poolFigures`).
    private func withConnection<T: Sendable>(
        waitAtMost: Double? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let start = ContinuousClock.now
        defer { observe(Self.seconds(ContinuousClock.now - start)) }
        let lease = pool.lease()
        defer { lease.end() }
        let bound = [effectiveLeaseTimeout(), waitAtMost].compactMap { $0 }.min()
        let deadline = bound.map { start + .nanoseconds(Int64($0 * 1e9)) }
        do {
            try await gate.enter(until: deadline) { DatabaseUnavailable.timedOut(bound ?? 0) }
        } catch let error as DatabaseUnavailable {
            _ = lease.claimTimedOut()
            throw error
        }
        defer { gate.leave() }
        guard let bound, let deadline else {
            return try await client.withConnection { connection in
                _ = lease.claimLeased()
                return try await body(connection)
            }
        }
        let client = self.client
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    guard lease.claimLeased() else { throw DatabaseUnavailable.timedOut(bound) }
                    return try await body(connection)
                }
            }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                guard lease.claimTimedOut() else { return nil }
                throw DatabaseUnavailable.timedOut(bound)
            }
            while let outcome = try await group.next() {
                if let value = outcome {
                    group.cancelAll()
                    return value
                }
            }
            throw DatabaseUnavailable.timedOut(bound)
        }
    }

    /// `DB_QUERY_TIMEOUT`, shortened to what is left of the caller's deadline; nil when neither bounds the wait.
    private func effectiveLeaseTimeout() -> Double? {
        let configured = settings.queryTimeout > 0 ? settings.queryTimeout : nil
        let deadline = RequestDeadline.nanos
        guard deadline > 0 else { return configured }
        let now = Monotonic.nanos()
        let remaining = deadline > now ? Double(deadline - now) / 1e9 : 0.001
        return min(configured ?? remaining, remaining)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The database could not be reached in time, or the connection closed under the operation (the request fails with
/// the contract's 500; the pool keeps trying).
public enum DatabaseUnavailable: Error, CustomStringConvertible {
    case timedOut(Double)
    case connectionClosed
    public var description: String {
        switch self {
        case .timedOut(let seconds): "no database connection within \(seconds)s"
        case .connectionClosed: "the database connection closed"
        }
    }
}
