import Domain
import Foundation
import GRDB
import Logging
import SQLiteStorage
import Storage
import Worker

/// The job type of the no-op benchmark: no handler of the app knows it, so a claim prefetches nothing for it.
let noopJobType = "bench_noop"

/// Finishes every job at once: the fenced DONE, with the next claim chained in the same transaction. Nothing is
/// written beyond the job row, which is what published queue benchmarks (River, Oban, Solid Queue) measure.
struct NoopJobHandler: JobHandler {
    let queue: any JobQueue
    let clock: any AppClock

    func run(_ job: ClaimedJob, claimNext: QueuePolicy?) async -> (outcome: JobOutcome, next: ClaimedJob?) {
        do {
            let result = try await queue.completeJob(job, now: clock.now(), claimNext: claimNext)
            return (result.done ? .done : .lostClaim, result.next)
        } catch {
            return (.retry(String(describing: error)), nil)
        }
    }
}

/// No-op jobs end to end: enqueue (one transaction per 50 jobs, as a battle enqueues its replies) → DONE through the
/// real queue and worker pool with `WORKER_CONCURRENCY` loops; returns jobs per second.
func benchmarkNoopJobs(
    jobs: Int, settings: WorkerPool.Settings, logger: Logger
) async throws -> (rate: Double, done: Int, seconds: Double, cpuPerJob: Double) {
    let (db, path) = try fresh("noop")
    let ids = try await db.seedSyntheticLoad(personas: 50, posts: max(1, jobs / 50), replyQuota: 1_000_000, now: clock.now())
    let checkpoints = Task { await db.runCheckpoints(every: 0.25) }
    let pool = BenchPool(queue: db, handler: NoopJobHandler(queue: db, clock: clock), settings: settings, logger: logger)
    benchPhaseMark()
    let cpuStart = processCPUSeconds()
    let start = Monotonic.nanos()
    var enqueued = 0
    for post in ids.posts {
        enqueued += try await db.enqueueSyntheticJobs(type: noopJobType, postID: post, personaIDs: ids.personas, now: clock.now())
        pool.signal.notify(settings.concurrency)
    }
    let deadline = Monotonic.nanos() + 600_000_000_000
    while pool.recorder.finished < enqueued && Monotonic.nanos() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
    let seconds = Double(Monotonic.nanos() - start) / 1e9
    let cpuSeconds = processCPUSeconds() - cpuStart
    benchPhaseMark()
    await pool.stop()
    checkpoints.cancel()
    try await db.close()
    let done = try await DatabaseQueue(path: path).read { db in
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE job_type = ? AND status = 'DONE'", arguments: [noopJobType]) ?? 0
    }
    return (Double(done) / seconds, done, seconds, cpuSeconds / Double(max(1, done)))
}
