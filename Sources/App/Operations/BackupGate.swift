import Domain
import Synchronization

/// One backup at a time in this process, scheduled or taken from the operator console: a second copy of the same
/// database at the same moment adds nothing and competes with the first (and with requests) for the disk.
///
/// Per process: in a split deployment the console's process and the worker's scheduler each have their own gate (an
/// online backup is a read-only snapshot, so two from different processes are safe, only wasteful).
final class BackupGate: Sendable {
    /// The backup in progress.
    struct Running: Sendable, Equatable {
        let path: String
        /// `scheduled` or `manual`.
        let trigger: String
        let startedAt: Timestamp
    }

    private let state = Mutex<Running?>(nil)

    /// Takes the gate for `backup`; returns nil when taken, or the backup already running (and takes nothing).
    func enter(_ backup: Running) -> Running? {
        state.withLock { current in
            if let current { return current }
            current = backup
            return nil
        }
    }

    /// Releases the gate taken for `path`.
    func leave(path: String) {
        state.withLock { current in
            if current?.path == path { current = nil }
        }
    }

    /// The backup in progress, if any.
    var running: Running? { state.withLock { $0 } }
}
