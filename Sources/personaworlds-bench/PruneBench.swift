import Domain
import Foundation
import GRDB
import SQLiteStorage
import Storage

/// One retention pruning pass on a copy of the engagement dataset (`seed --demo-scale`), as it runs a year after the
/// data was written (the pass's `now` is a year ahead, which is the same as backdating every row by a year): the
/// file's size before and after (the WAL checkpointed, so the figure is the file on disk), the pass's time and what it
/// deleted. Target: the file halves or better. That the answers stay the same (trending, digests, the admin summary)
/// is proved by `RetentionConformance.pruningRemovesExactlyTheExpiredRowsAndLeavesTheEngagementAnswersAlone` on both
/// engines; here a year has passed, so every window those answers read is past the dataset anyway.
/// Runs when `BENCH_SCALE_DB` names a seeded database file.
func benchmarkPruning() async throws {
    guard let source = ProcessInfo.processInfo.environment["BENCH_SCALE_DB"], !source.isEmpty else {
        print("bench: retention pruning: skipped (set BENCH_SCALE_DB to a database made by `seed --demo-scale N`)")
        return
    }
    let copy = NSTemporaryDirectory() + "pw-bench-prune-\(getpid()).sqlite"
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) } }
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
    let original = try SQLiteStore.open(settings: DatabaseSettings(path: source))
    try await original.backup(to: copy, pagesPerStep: 1024, progress: nil)
    try await original.close()

    let before = try checkpointedSize(copy)
    let store = try SQLiteStore.open(settings: DatabaseSettings(path: copy))
    let now = SystemClock().now()
    let started = Monotonic.nanos()
    let pruned = try await store.prune(RetentionPolicy(maxAttempts: 3), now: now.adding(seconds: 365 * 86_400))
    let seconds = Double(Monotonic.nanos() - started) / 1e9
    try await store.close()
    let after = try checkpointedSize(copy)

    print(
        String(
            format: "bench: retention pruning a year on: %.0f MB → %.0f MB (%.2f of the file; target <= 0.50: %@) in %.1f s",
            Double(before) / 1e6, Double(after) / 1e6, Double(after) / Double(max(1, before)),
            after * 2 <= before ? "met" : "MISSED", seconds))
    print(
        "bench: retention pruning deleted \(pruned.events) events, \(pruned.jobs) jobs, \(pruned.llmCache) LLM cache entries, "
            + "\(pruned.notifications) read notifications, \(pruned.sessions) sessions")
}

/// The file's size once its WAL is checkpointed into it and truncated.
private func checkpointedSize(_ path: String) throws -> Int {
    let queue = try DatabaseQueue(path: path)
    try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
    try queue.close()
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.size] as? NSNumber)?.intValue ?? 0
}
