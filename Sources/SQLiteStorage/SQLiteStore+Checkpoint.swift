import Foundation
import GRDB
import Storage
import Synchronization

/// WAL checkpoints off the commit path. Left to SQLite, the connection whose commit crosses the
/// autocheckpoint threshold copies the WAL into the database and fsyncs it while the queue waits; and
/// without checkpoints the WAL only grows, so every page lookup searches a longer log. A background
/// loop instead runs a PASSIVE checkpoint on a connection of its own a few times a second: writers never
/// wait for it, and the log stays short so SQLite starts it over from the beginning.
extension SQLiteStore {
    /// Copies what it can of the WAL into the database without blocking readers or the writer.
    /// Returns (frames in the log, frames checkpointed).
    @discardableResult
    public func checkpoint() async throws -> (log: Int, checkpointed: Int) {
        guard let queue = try checkpointConnection() else { return (0, 0) }
        // The async API: the checkpoint's fsync waits on GRDB's queue, never on a thread of Swift's cooperative pool.
        return try await queue.writeWithoutTransaction { db in
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")
            return (row?[1] ?? 0, row?[2] ?? 0)
        }
    }

    /// Runs `checkpoint()` every `seconds` until the task is cancelled (`serve` runs it as a service).
    public func runCheckpoints(every seconds: Double) async {
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(saturating: seconds * 1e9))
            guard !Task.isCancelled else { break }
            _ = try? await checkpoint()
        }
    }
}

extension SQLiteStore: StoreMaintenance {
    /// PASSIVE checkpoints four times a second (retention pruning, `prune`, is run by the maintenance service).
    public func runMaintenance() async {
        await runCheckpoints(every: 0.25)
    }
}
