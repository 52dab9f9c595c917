import Domain
import Logging
import PostgresStorage
import SQLiteStorage
import ServiceLifecycle
import Storage
import Worker

/// The opened store engine, seen through the protocols. This is the one place that names an engine: the rest of
/// the application sees `AppStore` and the optional capabilities below.
///
/// `DATABASE_URL` (postgres:// or postgresql://) selects PostgreSQL; without it the engine is SQLite at
/// `DATABASE_PATH`.
struct StoreEngine: Sendable {
    /// Which engine, for the parts of operations that differ (file lock, backups, doctor).
    enum Kind: Sendable, Equatable { case sqlite, postgres }

    let kind: Kind
    /// Every store protocol.
    let store: any AppStore
    /// Background housekeeping the engine needs while serving (SQLite: WAL checkpoints); nil when none.
    let maintenance: (any StoreMaintenance)?
    /// An online backup the engine can take itself; nil on an engine without one.
    let backup: (any OnlineBackup)?
    /// Demo and benchmark data.
    let seeder: any DemoSeeder
    /// Worker loops per compute slot (`WorkerPool.Settings.writeAhead`): more where a commit is a round trip away.
    let workerWriteAhead: Int
    /// The engine's connection pool, which must run for as long as the store is used (PostgreSQL); nil for SQLite.
    let pool: (any Service)?
    /// Starts and stops `pool` outside a service group (commands and tests).
    private let startPool: @Sendable () -> Void
    /// The pool's size, leased connections and waiting calls now (`/metrics`); nil for an engine without a pool.
    let poolFigures: (@Sendable () -> ConnectionPoolFigures)?
    /// The engine's one database file, whose file-level checks (size, `quick_check`, WAL) apply; nil for an engine
    /// that is a server.
    let databaseFile: String?
    /// Where rate-limit buckets live: this process's memory on SQLite (one node per database file), the database on
    /// PostgreSQL, so a limit holds across every front end; `clock` is the purge's clock.
    let makeRateLimits: @Sendable (_ clock: any AppClock, _ logger: Logger) -> RateLimitParts
    /// How this node and the others learn of a change: an enqueue wakes worker loops, a change to cached data evicts
    /// it. On SQLite both stay in this process; on PostgreSQL both also NOTIFY every node, and the node's one LISTEN
    /// connection (a service) hears the cache channel always and the jobs channel when `runsWorker`.
    let makeSignals:
        @Sendable (
            _ signal: WakeSignal, _ runsWorker: Bool, _ evictLocally: @escaping @Sendable (CacheEviction) -> Void, _ logger: Logger
        ) -> SignalParts

    /// The rate-limit store and the housekeeping it needs while serving (nil when none).
    struct RateLimitParts {
        let store: any RateLimitStore
        let housekeeping: (any Service)?
    }

    /// The wake-up notifier, the cache invalidator and the listener that hears other nodes (nil when none).
    struct SignalParts {
        let wakeUps: any WakeUpNotifier
        let caches: any CacheInvalidator
        let listener: (any Service)?
    }

    /// Opens the configured engine without migrating it (a backup must copy the database as the server has it). For
    /// PostgreSQL nothing connects yet: the pool connects when it runs and a statement needs a connection.
    /// - Parameters:
    ///   - observe: receives the duration in seconds of every database call (for metrics).
    ///   - observePool: receives each connection lease's wait and each lease that timed out (an engine with a pool).
    static func open(
        config: AppConfig, logger: Logger = Logger(label: "personaworlds.store"), observe: @escaping @Sendable (Double) -> Void = { _ in },
        observePool: ConnectionPoolObserver = .none
    ) throws -> StoreEngine {
        if let url = config.databaseURL {
            let postgres = PostgresStore(settings: postgresSettings(url, config: config), logger: logger, observe: observe, observePool: observePool)
            return StoreEngine(
                kind: .postgres, store: postgres, maintenance: postgres, backup: nil, seeder: postgres,
                workerWriteAhead: PostgresStore.workerWriteAhead, pool: postgres,
                startPool: { postgres.start() }, poolFigures: { postgres.poolFigures },
                databaseFile: nil,
                makeRateLimits: { clock, logger in
                    let shared = PostgresRateLimitStore(store: postgres, logger: logger, now: { clock.now() })
                    return RateLimitParts(store: shared, housekeeping: shared)
                },
                makeSignals: { signal, runsWorker, evictLocally, logger in
                    let wakeUps = PostgresWakeUps(store: postgres, logger: logger, wake: { signal.notify($0) })
                    let caches = PostgresCacheInvalidator(store: postgres, logger: logger, evictLocally: evictLocally)
                    let channels = (runsWorker ? [wakeUps.channel] : []) + [caches.channel]
                    return SignalParts(
                        wakeUps: wakeUps, caches: caches, listener: PostgresListener(store: postgres, channels: channels, logger: logger))
                })
        }
        let sqlite = try SQLiteStore.open(
            settings: DatabaseSettings(path: config.databasePath, queryTimeout: config.dbQueryTimeout), observe: observe)
        return StoreEngine(
            kind: .sqlite, store: sqlite, maintenance: sqlite, backup: sqlite, seeder: sqlite, workerWriteAhead: 1, pool: nil, startPool: {},
            poolFigures: nil,
            databaseFile: config.databasePath,
            makeRateLimits: { _, _ in RateLimitParts(store: InMemoryRateLimitStore(), housekeeping: nil) },
            makeSignals: { signal, _, evictLocally, _ in
                SignalParts(wakeUps: signal, caches: InProcessCacheInvalidator(evictLocally: evictLocally), listener: nil)
            })
    }

    /// PostgreSQL's connection settings from `DATABASE_URL`, `DATABASE_POOL_SIZE` and `DB_QUERY_TIMEOUT`.
    static func postgresSettings(_ url: DatabaseURL, config: AppConfig) -> PostgresSettings {
        let endpoint: PostgresSettings.Endpoint =
            url.host.map { .tcp(host: $0, port: url.port) } ?? .socket(path: url.socketPath ?? DatabaseURL.defaultSocketDirectory)
        let tls: PostgresSettings.TLSMode =
            switch url.sslMode {
            case .disable: .disable
            case .prefer: .prefer
            case .require: .require
            case .verifyFull: .verifyFull
            }
        return PostgresSettings(
            endpoint: endpoint, username: url.username, password: url.password, database: url.database, tls: tls,
            poolSize: config.databasePoolSize, queryTimeout: config.dbQueryTimeout)
    }

    /// Opens the configured engine, applies the schema and seeds the defaults (idempotent). Commands only: a
    /// PostgreSQL pool is started here and stopped by `close()`.
    static func openMigrated(
        config: AppConfig, clock: any AppClock, logger: Logger = Logger(label: "personaworlds.store"),
        observe: @escaping @Sendable (Double) -> Void = { _ in }
    ) async throws -> StoreEngine {
        let engine = try open(config: config, logger: logger, observe: observe)
        engine.startPool()
        do {
            try await engine.store.migrate()
            try await engine.store.seedDefaults(now: clock.now())
        } catch {
            try? await engine.store.close()
            throw error
        }
        return engine
    }

    /// The engine for `serve` (and the in-process tests): SQLite is migrated and seeded before the server starts;
    /// PostgreSQL is only opened, and its `StoreStartup` service runs the pool and migrates and seeds once the server
    /// answers (retried with backoff while it does not), so the process starts while PostgreSQL is down and `/readyz`
    /// says 503 until the database is ready. `prepared` runs once the schema and seed are in place, on both engines
    /// (on PostgreSQL inside the retried start-up, where the pool runs: nothing may use the store before that).
    static func openForServing(
        config: AppConfig, clock: any AppClock, logger: Logger, observe: @escaping @Sendable (Double) -> Void,
        observePool: ConnectionPoolObserver = .none, prepared: @escaping @Sendable (any AppStore) async throws -> Void
    ) async throws -> (engine: StoreEngine, startup: StoreStartup?, state: StartupState) {
        switch config.databaseURL {
        case .some(let url):
            let engine = try open(config: config, logger: logger, observe: observe, observePool: observePool)
            let store = engine.store
            let state = StartupState(prepared: false)
            let startup = StoreStartup(
                pool: engine.pool, target: url.redacted, logger: logger, state: state,
                prepare: {
                    try await store.migrate()
                    try await store.seedDefaults(now: clock.now())
                    try await prepared(store)
                })
            return (engine, startup, state)
        case .none:
            let engine = try await openMigrated(config: config, clock: clock, logger: logger, observe: observe)
            do { try await prepared(engine.store) } catch {
                try? await engine.store.close()
                throw error
            }
            return (engine, nil, StartupState(prepared: true))
        }
    }

    /// Runs `body` with the engine open (migrated and seeded when `migrate`), then closes it.
    static func with<T: Sendable>(
        config: AppConfig, clock: any AppClock, migrate: Bool, _ body: (StoreEngine) async throws -> T
    ) async throws -> T {
        let engine: StoreEngine
        if migrate {
            engine = try await openMigrated(config: config, clock: clock)
        } else {
            engine = try open(config: config)
            engine.startPool()
        }
        do {
            let result = try await body(engine)
            try? await engine.store.close()
            return result
        } catch {
            try? await engine.store.close()
            throw error
        }
    }
}
