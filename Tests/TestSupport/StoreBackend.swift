import Domain
import Foundation
import Logging
import PostgresStorage
import SQLiteStorage
import Storage
import Testing

/// The store engines the tests run on. The store conformance suite runs every test once per engine in `available`;
/// API and end-to-end tests take the engine of their `TestDirectory` (SQLite unless a test asks for another).
///
/// A new engine plugs in here and nowhere else in the tests: add its case, say when it is usable (`isAvailable`),
/// how to open a fresh store on a test's database (`makeStore`), how to reach its rows (`openDatabase`, used by
/// `TestDatabase.open`), and the configuration that points the binary at it (`environment`).
public enum StoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// SQLite through GRDB: the file `db.sqlite` in the test's directory. Usable everywhere.
    case sqlite
    /// PostgreSQL: a database per test directory on the throwaway cluster the tests start (`PostgresCluster`). Usable
    /// where Debian's postgresql is installed (`scripts/deps.sh test` installs it).
    case postgres

    /// The engine of the in-process API tests: `PERSONAWORLDS_TEST_ENGINE` (`make test-swift` runs AppTests once per
    /// engine), else SQLite.
    public static let `default`: StoreBackend =
        ProcessInfo.processInfo.environment["PERSONAWORLDS_TEST_ENGINE"].flatMap { StoreBackend(rawValue: $0.lowercased()) } ?? .sqlite

    /// The engines usable on this machine, in declaration order.
    public static var available: [StoreBackend] { allCases.filter(\.isAvailable) }

    /// Whether this engine can run here (an engine that needs a server says no when none is configured).
    public var isAvailable: Bool {
        switch self {
        case .sqlite: true
        case .postgres: PostgresCluster.findBinaries() != nil
        }
    }

    /// Creates what `dir`'s database needs before anything connects (PostgreSQL: the cluster, and the directory's own
    /// database from the migrated template); idempotent.
    public func prepare(_ dir: TestDirectory) async throws {
        guard self == .postgres, dir.postgres == nil else { return }
        let cluster = try await PostgresCluster.shared()
        dir.postgres = (cluster, try await cluster.freshDatabase())
    }

    /// The engine's name in test names: `migratedStoreHasTheSeedRooms(backend: sqlite)`.
    public var testDescription: String { rawValue }

    /// A store on the database of `dir` (created when missing), migrated and seeded with the default rooms and
    /// template. Each call opens its own connections, so two stores on one directory are two processes (or nodes)
    /// sharing a database.
    public func makeStore(in dir: TestDirectory, now: Timestamp = SystemClock().now()) async throws -> any AppStore & DemoSeeder {
        let store: any AppStore & DemoSeeder
        switch self {
        case .sqlite: store = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
        case .postgres:
            try await prepare(dir)
            let (cluster, name) = dir.postgres!
            let postgres = PostgresStore(settings: cluster.settings(database: name), logger: Logger(label: "test.postgres"))
            postgres.start()
            store = postgres
        }
        try await store.migrate()
        try await store.seedDefaults(now: now)
        return store
    }

    /// Direct access to the rows of `dir`'s database (`TestDatabase.open` calls this).
    func openDatabase(_ dir: TestDirectory) async throws -> any TestDatabaseEngine {
        switch self {
        case .sqlite: return try SQLiteTestDatabase(path: dir.databasePath)
        case .postgres:
            try await prepare(dir)
            let (cluster, name) = dir.postgres!
            return PostgresTestDatabase(cluster: cluster, database: name)
        }
    }

    /// The configuration values that point the application (in-process or the binary) at `dir`'s database.
    public func environment(_ dir: TestDirectory) -> [String: String] {
        switch self {
        case .sqlite: ["DATABASE_PATH": dir.databasePath]
        case .postgres:
            // `prepare(dir)` made the database; the SQLite path stays set for what still keeps files beside it.
            dir.postgres.map { ["DATABASE_URL": $0.cluster.url(database: $0.name), "DATABASE_POOL_SIZE": "4", "DATABASE_PATH": dir.databasePath] }
                ?? ["DATABASE_PATH": dir.databasePath]
        }
    }
}
