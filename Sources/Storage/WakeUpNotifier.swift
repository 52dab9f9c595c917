/// Tells worker loops that jobs are waiting, wherever they run.
///
/// Called after the transaction that enqueued the jobs committed (a worker woken earlier would not see them). SQLite's
/// implementation is the in-process `WakeSignal` (one node per database file: other processes on the file poll);
/// PostgreSQL's also sends a debounced `NOTIFY` that every worker node's LISTEN connection turns into a local wake-up.
/// Polling every `WORKER_POLL_EVERY` stays the fallback for a lost notification.
public protocol WakeUpNotifier: Sendable {
    /// `count` jobs were enqueued and committed.
    func jobsEnqueued(_ count: Int)
}
