/// An engine's own background housekeeping, run for as long as the process serves (SQLite: WAL checkpoints off
/// the commit path). Returns when the calling task is cancelled.
public protocol StoreMaintenance: Sendable {
    func runMaintenance() async
}
