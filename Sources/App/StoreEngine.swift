import Domain
import SQLiteStorage
import Storage

/// The opened store engine, seen through the protocols. This is the one place that names an engine: the rest of
/// the application sees `AppStore` and the optional capabilities below.
struct StoreEngine: Sendable {
    /// Every store protocol.
    let store: any AppStore
    /// Background housekeeping the engine needs while serving (SQLite: WAL checkpoints); nil when none.
    let maintenance: (any StoreMaintenance)?
    /// An online backup the engine can take itself; nil on an engine without one.
    let backup: (any OnlineBackup)?
    /// Demo and benchmark data.
    let seeder: any DemoSeeder
    /// The engine's one database file, whose file-level checks (size, `quick_check`, WAL) apply; nil for an engine
    /// that is a server.
    let databaseFile: String?

    /// Opens the configured engine without migrating it (a backup must copy the database as the server has it).
    /// - Parameter observe: receives the duration in seconds of every database call (for metrics).
    static func open(config: AppConfig, observe: @escaping @Sendable (Double) -> Void = { _ in }) throws -> StoreEngine {
        let sqlite = try SQLiteStore.open(
            settings: DatabaseSettings(path: config.databasePath, queryTimeout: config.dbQueryTimeout), observe: observe)
        return StoreEngine(store: sqlite, maintenance: sqlite, backup: sqlite, seeder: sqlite, databaseFile: config.databasePath)
    }

    /// Opens the configured engine, applies the schema and seeds the defaults (idempotent).
    static func openMigrated(
        config: AppConfig, clock: any AppClock, observe: @escaping @Sendable (Double) -> Void = { _ in }
    )
        async throws -> StoreEngine
    {
        let engine = try open(config: config, observe: observe)
        try await engine.store.migrate()
        try await engine.store.seedDefaults(now: clock.now())
        return engine
    }

    /// Runs `body` with the engine open (migrated and seeded when `migrate`), then closes it.
    static func with<T: Sendable>(
        config: AppConfig, clock: any AppClock, migrate: Bool, _ body: (StoreEngine) async throws -> T
    ) async throws -> T {
        let engine = migrate ? try await openMigrated(config: config, clock: clock) : try open(config: config)
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
