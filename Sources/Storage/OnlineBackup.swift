/// A consistent copy of the live database while the server keeps running, on an engine that can make one itself
/// (SQLite's online backup API). PostgreSQL installations use `pg_dump` instead, so its store does not conform.
public protocol OnlineBackup: Sendable {
    /// Copies the database into a new single file at `path` and verifies it, or throws and leaves nothing at `path`.
    func backup(to path: String, pagesPerStep: Int32, progress: (@Sendable (BackupProgress) -> Void)?) async throws -> BackupResult
}

/// Pages copied so far, for a progress display.
public struct BackupProgress: Sendable {
    public let copiedPages: Int
    public let totalPages: Int

    public init(copiedPages: Int, totalPages: Int) {
        self.copiedPages = copiedPages
        self.totalPages = totalPages
    }
}

/// A finished, verified backup.
public struct BackupResult: Sendable {
    public let path: String
    public let bytes: Int64
    /// The schema versions in the copy (equal to the source's at the snapshot).
    public let migrations: [String]

    public init(path: String, bytes: Int64, migrations: [String]) {
        self.path = path
        self.bytes = bytes
        self.migrations = migrations
    }
}

extension OnlineBackup {
    /// A backup in steps of 1,024 pages, without progress reports.
    public func backup(to path: String) async throws -> BackupResult {
        try await backup(to: path, pagesPerStep: 1024, progress: nil)
    }
}
