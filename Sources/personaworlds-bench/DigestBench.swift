import Domain
import Foundation
import LLM
import Logging
import SQLiteStorage
import Storage
import Worker

/// Weekly digest time per user on an engagement dataset (`seed --demo-scale`): the scheduler's real passes
/// (claim, candidates, ranking, summaries with the mock LLM, fenced write) over up to `users` users.
/// Runs when `BENCH_SCALE_DB` names a seeded database file (a copy is used, so the file is left as it was).
func benchmarkWeeklyDigest(users: Int = 500) async throws {
    guard let source = ProcessInfo.processInfo.environment["BENCH_SCALE_DB"], !source.isEmpty else {
        print("bench: weekly digest per user: skipped (set BENCH_SCALE_DB to a database made by `seed --demo-scale N`)")
        return
    }
    let copy = NSTemporaryDirectory() + "pw-bench-digest-\(getpid()).sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
    let original = try SQLiteStore.open(settings: DatabaseSettings(path: source))
    try await original.backup(to: copy, pagesPerStep: 1024, progress: nil)
    try await original.close()
    let database = try SQLiteStore.open(settings: DatabaseSettings(path: copy))
    var logger = Logger(label: "bench")
    logger.logLevel = .warning // a failing pass must show, not just write nothing
    var settings = DigestScheduler.Settings(interval: 1, batch: 50, summaryMaxLength: 400)
    settings.lease = 3600
    let scheduler = DigestScheduler(store: database, llm: MockLLM(), clock: SystemClock(), settings: settings, logger: logger)
    var done = 0
    let started = Monotonic.nanos()
    while done < users {
        let written = await scheduler.tick().weekly
        if written == 0 { break }
        done += written
    }
    let seconds = Double(Monotonic.nanos() - started) / 1e9
    print(
        String(
            format: "bench: weekly digest: %d users in %.2f s = %.2f ms per user (daily digests of the same passes included)",
            done, seconds, done > 0 ? seconds * 1000 / Double(done) : 0))
    try await database.close()
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: copy + suffix) }
}
