import Foundation
import GRDB
import Storage
import Synchronization

/// Online backups: a consistent copy of the live database while the server keeps reading and writing.
extension SQLiteStore {
    /// A copy that failed verification; the partial file has been removed.
    public struct BackupVerificationFailed: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "backup verification failed: \(reason)" }
    }

    /// Copies the database into a new single file at `path` and verifies it, or throws and leaves nothing at `path`.
    ///
    /// Uses SQLite's online backup API from one reader's snapshot transaction: writers are never blocked (WAL
    /// readers do not block writers), and the copy holds exactly what was committed when the snapshot began, so
    /// every write acknowledged before the backup started is in it, and later writes cannot make the copy
    /// restart or tear. The copy is written beside `path` as `<path>.partial`, switched to a rollback journal so
    /// it is one self-contained file, checked (`integrity_check` is `ok`, its `schema_migrations` equal the
    /// source's), fsynced and renamed into place, so a crash never leaves a half-written file under the real name.
    /// Not routed through `read`: a backup is long by nature, so `DB_QUERY_TIMEOUT` does not apply to it. Cancelling
    /// the calling task (a graceful shutdown) stops the copy at the next step and removes the partial file.
    @discardableResult
    public func backup(
        to path: String, pagesPerStep: Int32,
        progress: (@Sendable (BackupProgress) -> Void)? = nil
    ) async throws -> BackupResult {
        let partial = path + ".partial"
        for stale in [partial, partial + "-journal", partial + "-wal", partial + "-shm"] { try? FileManager.default.removeItem(atPath: stale) }
        let cancelled = Atomic<Bool>(false)
        do {
            let destination = try DatabaseQueue(path: partial)
            let sourceMigrations: [String] = try await withTaskCancellationHandler(
                operation: {
                    try await pool.read { source in
                        let versions =
                            try source.tableExists("schema_migrations")
                            ? try String.fetchAll(source, sql: "SELECT version FROM schema_migrations ORDER BY version") : []
                        try destination.writeWithoutTransaction { copy in
                            try source.backup(to: copy, pagesPerStep: pagesPerStep) { step in
                                if cancelled.load(ordering: .relaxed) { throw CancellationError() }
                                progress?(BackupProgress(copiedPages: step.completedPageCount, totalPages: step.totalPageCount))
                            }
                        }
                        return versions
                    }
                }, onCancel: { cancelled.store(true, ordering: .relaxed) })
            // The copied header still says WAL; DELETE mode makes the copy a single file that opens anywhere, read-only too.
            try await destination.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            // The whole-file check and the fsyncs block for as long as the disk takes: off Swift's cooperative pool.
            return try await BlockingWork.run {
                try destination.close()
                let report = try DatabaseFile(path: partial).check(thorough: true)
                guard report.isIntact else { throw BackupVerificationFailed(reason: "integrity_check: \(report.problemSummary)") }
                guard report.migrations == sourceMigrations else {
                    throw BackupVerificationFailed(reason: "schema versions differ: copy \(report.migrations ?? []), source \(sourceMigrations)")
                }
                try FileSync.file(at: partial)
                guard rename(partial, path) == 0 else { throw FileSync.Failure(operation: "rename \(partial) to \(path)", code: errno) }
                try FileSync.directory(containing: path)
                return BackupResult(path: path, bytes: DatabaseFile.size(of: path) ?? 0, migrations: sourceMigrations)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

}
