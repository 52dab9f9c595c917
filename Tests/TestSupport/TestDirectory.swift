import Foundation

/// A fresh temporary directory per test, removed on deinit, and the database of the test's store engine in it
/// (SQLite: the file `db.sqlite`).
public final class TestDirectory: @unchecked Sendable {
    public let path: String
    /// The engine whose database this directory stands for (`TestApp`, `ServerProcess` and `TestDatabase` use it).
    public let backend: StoreBackend
    /// The PostgreSQL database of this directory, once `StoreBackend.prepare` made it (it lives as long as the test
    /// cluster; see `PostgresCluster`).
    public var postgres: (cluster: PostgresCluster, name: String)?

    public init(backend: StoreBackend = .default) {
        self.backend = backend
        path = NSTemporaryDirectory() + "pw-test-" + UUID().uuidString.lowercased()
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The SQLite database file inside the directory (SQLite-only tests: backups, restore, doctor).
    public var databasePath: String { path + "/db.sqlite" }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
