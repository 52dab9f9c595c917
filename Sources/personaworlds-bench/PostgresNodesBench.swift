import Domain
import Foundation
import Logging
import PostgresStorage
import Storage

/// pg-procs: one against two `serve --worker-only` processes on one PostgreSQL database (mock LLM at no latency): the
/// time each takes to finish `jobs` reply jobs enqueued before it starts, start-up included. Two should be at least as
/// fast as one. The two are measured side by side, `pairs` times, alternating which goes first (1-2, 2-1, 1-2, ...),
/// and the target is judged on the median of the pairs' ratios: this machine's speed moves by a fifth between runs
/// seconds apart, more than the two differ, so one ratio of two runs measured one after the other was a coin toss.
/// Each run has an empty database of its own (`procs<nodes>_<pair>`). Its end is seen by asking the count of active jobs
/// (through the status index), not a summary of the whole table, seldom while many are left (`waitUntilDrained`). The
/// nodes' CPU time per job (their rusage) is printed beside each rate: whether two nodes spend more per job.
func benchmarkPostgresWorkerNodes(_ target: PostgresBenchTarget, binary: String, jobs: Int, pairs: Int, logger: Logger) async throws {
    var ratios: [Double] = []
    for pair in 0..<pairs {
        var rates: [Int: Double] = [:]
        for nodes in pair % 2 == 0 ? [1, 2] : [2, 1] {
            rates[nodes] = try await runWorkerNodes(target, nodes: nodes, binary: binary, jobs: jobs, pair: pair + 1, logger: logger)
        }
        let ratio = (rates[2] ?? 0) / max(1, rates[1] ?? 1)
        ratios.append(ratio)
        print(String(format: "bench: pg worker nodes, pair %d: two / one = %.2f", pair + 1, ratio))
    }
    let median = percentile(ratios, 0.5)
    let listed = ratios.map { String(format: "%.2f", $0) }.joined(separator: ", ")
    print(
        String(
            format: "bench: pg two worker nodes / one = %.3f, the median of %d side-by-side pairs (%@)  (target >= 1.00: %@)",
            median, ratios.count, listed, median >= 1 ? "met" : "MISSED"))
}

/// One run of pg-procs: `nodes` worker processes until the jobs enqueued before their start are finished; jobs/s.
private func runWorkerNodes(
    _ target: PostgresBenchTarget, nodes: Int, binary: String, jobs: Int, pair: Int, logger: Logger
) async throws -> Double {
    let part = "procs\(nodes)_\(pair)"
    let db = target.store(part, logger: logger)
    let ids = try await db.seedSyntheticLoad(personas: 50, posts: max(1, jobs / 50), replyQuota: 1_000_000, now: clock.now())
    var total = 0
    for post in ids.posts {
        total += try await db.enqueueReplies(
            postID: post, personaIDs: ids.personas, userID: ids.user, payloadExtra: [:], maxAttempts: 5, now: clock.now()
        ).enqueued
    }
    let cpuBefore = childrenCPUSeconds()
    let start = Monotonic.nanos()
    let workers = try (0..<nodes).map { _ in
        try launchWorkerNode(binary: binary, environment: ["DATABASE_URL": target.url(part)])
    }
    let seconds = try await waitUntilDrained(total: total, start: start) {
        try await db.queueDepth(maxAttempts: 5).values.reduce(0, +)
    }
    for worker in workers {
        worker.terminate()
        worker.waitUntilExit()
    }
    let cpu = childrenCPUSeconds() - cpuBefore
    let (done, rate) = try await closeRun(db, seconds: seconds)
    print(
        String(
            format:
                "bench: pg %d × serve --worker-only (WORKER_CONCURRENCY=4 each) on one database: %8.0f jobs/s (%d of %d jobs in %.2f s, incl. start-up; pair %d), nodes' CPU %.0f µs/job",
            nodes, rate, done, total, seconds, pair, cpu * 1e6 / Double(max(1, done))))
    return rate
}
