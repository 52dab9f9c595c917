import Foundation

/// A fresh temporary directory per test, removed on deinit; and, on PostgreSQL, the test's own database.
public final class TestDirectory: @unchecked Sendable {
    public let path: String
    /// The PostgreSQL database of this test (nil on SQLite, where the database is `databasePath`).
    public var postgres: (cluster: PostgresCluster, name: String)?

    /// Direct access to the app's database, on either engine.
    public var database: TestDatabase {
        if let postgres { return TestDatabase(backing: .postgres(cluster: postgres.cluster, database: postgres.name)) }
        return TestDatabase(backing: .sqlite(path: databasePath))
    }

    public init() {
        path = NSTemporaryDirectory() + "pw-test-" + UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A database file path inside the directory.
    public var databasePath: String { path + "/db.sqlite" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
