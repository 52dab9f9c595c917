import Domain
import Foundation
import Logging
import PostgresStorage
import Storage
import Worker

/// The PostgreSQL parts of the queue benchmark (scripts/bench-postgres.sh runs them on the pgbench peer's cluster):
/// `pg-e2e` reply jobs end to end, `pg-procs` one vs two `serve --worker-only` nodes, `pg-latency` enqueue on one node
/// → start on another, `pg-ratelimit` the shared rate-limit check. The script creates one empty database per run
/// (`<BENCH_PG_DB_PREFIX>e2e_1` … `e2e_<runs>`; `procs1_1`, `procs2_1` … `procs2_<pairs>`; `latency`; `ratelimit`) on
/// the cluster reached through the unix socket in `BENCH_PG_SOCKET_DIR` on `BENCH_PG_PORT` as `BENCH_PG_USER`.
struct PostgresBenchTarget {
    let socketDirectory: String
    let port: Int
    let user: String
    let prefix: String

    init?(_ env: [String: String]) {
        guard let dir = env["BENCH_PG_SOCKET_DIR"], !dir.isEmpty, let port = env["BENCH_PG_PORT"].flatMap({ Int($0) }),
            let user = env["BENCH_PG_USER"], !user.isEmpty
        else { return nil }
        self.socketDirectory = dir
        self.port = port
        self.user = user
        self.prefix = env["BENCH_PG_DB_PREFIX"] ?? "pwb_"
    }

    func settings(_ part: String, poolSize: Int = PostgresSettings.defaultPoolSize) -> PostgresSettings {
        PostgresSettings(
            endpoint: .socket(path: "\(socketDirectory)/.s.PGSQL.\(port)"), username: user, password: nil, database: prefix + part,
            tls: .disable, poolSize: poolSize, queryTimeout: 30)
    }

    /// `DATABASE_URL` for a `serve` process on the part's database (the form scripts/lib/pg-cluster.sh prints).
    func url(_ part: String) -> String {
        "postgresql://\(user)@:\(port)/\(prefix + part)?host=\(socketDirectory)&sslmode=disable"
    }

    /// A started store on the part's database, migrated by `seedSyntheticLoad` or `migrate()`.
    func store(_ part: String, logger: Logger) -> PostgresStore {
        let store = PostgresStore(settings: settings(part), logger: logger)
        store.start()
        return store
    }
}

/// pg-e2e: enqueue → DONE through the real PostgreSQL queue and worker pool (no-op LLM, 4 loops), as part 2 on SQLite,
/// `runs` times, each on an empty database of its own (a run on the one before's leaves a bigger `jobs` table and
/// autovacuum's work behind: the third was 20 % slower); returns the median rate. One run is about 2 s, and this
/// machine's speed moves by a fifth between runs seconds apart: the median of a few says more about the queue than any
/// one of them, against the pgbench peer's single run of 15 s.
func benchmarkPostgresEndToEnd(
    _ target: PostgresBenchTarget, jobs: Int, runs: Int, settings: WorkerPool.Settings, logger: Logger
) async throws -> Double {
    var rates: [Double] = []
    for run in 1...max(1, runs) {
        rates.append(try await runPostgresEndToEnd(target, part: "e2e_\(run)", jobs: jobs, settings: settings, logger: logger))
    }
    let median = percentile(rates, 0.5)
    print(
        String(
            format: "bench: pg queue end-to-end, the median of %d runs: %8.0f jobs/s (%@)", rates.count, median,
            rates.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
    return median
}

/// One pg-e2e run; jobs/s.
private func runPostgresEndToEnd(
    _ target: PostgresBenchTarget, part: String, jobs: Int, settings: WorkerPool.Settings, logger: Logger
) async throws -> Double {
    let db = target.store(part, logger: logger)
    let ids = try await db.seedSyntheticLoad(personas: 50, posts: max(1, jobs / 50), replyQuota: 1_000_000, now: clock.now())
    var settings = settings
    settings.writeAhead = PostgresStore.workerWriteAhead // as `serve` on PostgreSQL
    let pool = BenchPool(queue: db, settings: settings, logger: logger)
    let cpuStart = processCPUSeconds()
    let start = Monotonic.nanos()
    var enqueued = 0
    for post in ids.posts {
        enqueued += try await db.enqueueReplies(
            postID: post, personaIDs: ids.personas, userID: ids.user, payloadExtra: [:], maxAttempts: 5, now: clock.now()
        ).enqueued
        pool.signal.notify(settings.loops)
    }
    let enqueueSeconds = Double(Monotonic.nanos() - start) / 1e9
    let finishedAtEnqueueEnd = pool.recorder.finished
    let deadline = Monotonic.nanos() + 600_000_000_000
    while pool.recorder.finished < enqueued && Monotonic.nanos() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
    let seconds = Double(Monotonic.nanos() - start) / 1e9
    let cpuSeconds = processCPUSeconds() - cpuStart
    await pool.stop()
    let (done, rate) = try await closeRun(db, seconds: seconds)
    print(
        String(
            format:
                "bench: pg queue end-to-end enqueue→DONE, no-op LLM, WORKER_CONCURRENCY=4 (%d loops): %8.0f jobs/s (%d of %d jobs DONE in %.2f s; CPU %.0f µs per job in this process, PostgreSQL's not counted)",
            settings.loops, rate, done, enqueued, seconds, cpuSeconds * 1e6 / Double(max(1, done))))
    // Where the time went: the enqueues run one after another beside the workers, which finish the backlog after them.
    print(
        String(
            format: "bench: pg queue end-to-end: the %d enqueues took %.2f s; %d jobs were DONE by then",
            ids.posts.count, enqueueSeconds, finishedAtEnqueueEnd))
    return rate
}

/// The end of a pg-e2e or pg-procs run: the DONE jobs in its database (which held no others) and their rate over the
/// run's `seconds`; the store is closed.
func closeRun(_ db: PostgresStore, seconds: Double) async throws -> (done: Int, rate: Double) {
    let done = try await db.queueSummary(maxAttempts: 5, now: clock.now()).done
    try await db.close()
    return (done, Double(done) / seconds)
}

/// pg-latency: node A (a pool of its own, no worker) enqueues one reply job at a time and sends its wake-up as `serve`
/// does (`PostgresWakeUps`, NOTIFY after commit); node B (another pool, its own LISTEN connection, a worker pool with a
/// poll every 3 s) starts it. The time from A's enqueue call to B's handler starting, p50/p99. Enqueues are spaced
/// beyond the 100 ms NOTIFY debounce, so each is an idle node's wake-up, not a folded burst.
func benchmarkPostgresCrossNodeLatency(
    _ target: PostgresBenchTarget, jobs: Int, settings: WorkerPool.Settings, logger: Logger
)
    async throws
{
    let nodeA = target.store("latency", logger: logger)
    let ids = try await nodeA.seedSyntheticLoad(personas: 1, posts: jobs, replyQuota: 1_000_000, now: clock.now())
    let wakeA = PostgresWakeUps(store: nodeA, logger: logger, wake: { _ in })
    let nodeB = target.store("latency", logger: logger)
    let signalB = WakeSignal()
    let wakeB = PostgresWakeUps(store: nodeB, logger: logger, wake: { signalB.notify($0) })
    let listenerB = PostgresListener(store: nodeB, channels: [wakeB.channel], logger: logger)
    let listening = Task { try await listenerB.run() }
    var settings = settings
    settings.writeAhead = PostgresStore.workerWriteAhead // as `serve` on PostgreSQL
    let pool = BenchPool(queue: nodeB, signal: signalB, settings: settings, logger: logger)
    // The listener's first connect and the loops' first poll, before anything is measured.
    try await Task.sleep(nanoseconds: 1_000_000_000)
    var latencies: [Double] = []
    var missed = 0
    for post in ids.posts {
        try await Task.sleep(nanoseconds: 150_000_000) // beyond the debounce window; every loop idle
        let t0 = Monotonic.nanos()
        let enqueued = try await nodeA.enqueueReplies(
            postID: post, personaIDs: ids.personas, userID: ids.user, payloadExtra: [:], maxAttempts: 5, now: clock.now()
        ).enqueued
        wakeA.jobsEnqueued(enqueued)
        let deadline = Monotonic.nanos() + 10_000_000_000
        while true {
            let (count, last) = pool.recorder.snapshot
            if count == latencies.count + missed + 1 {
                latencies.append(Double(last - t0) / 1e6)
                break
            }
            if Monotonic.nanos() > deadline {
                missed += 1
                break
            }
            // The handler's own start time is what is measured, so noticing it a little late costs nothing; polling
            // every 50 µs kept one of the two cores' cooperative threads busy beside the loops being measured.
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }
    await pool.stop()
    listening.cancel()
    _ = try? await listening.value
    try await nodeA.close()
    try await nodeB.close()
    let p99 = percentile(latencies, 0.99)
    print(
        String(
            format:
                "bench: pg enqueue on node A → start on node B (LISTEN/NOTIFY) p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d jobs%@ (target p99 < 25 ms: %@)",
            percentile(latencies, 0.5), p99, latencies.max() ?? 0, latencies.count, missed > 0 ? ", \(missed) not started within 10 s" : "",
            p99 < 25 && missed == 0 ? "met" : "MISSED"))
}

/// pg-ratelimit: `PostgresRateLimitStore.take` (one upsert per check), one caller at a time over 100 keys, then 4
/// callers at once; per-check latency p50/p99.
func benchmarkPostgresRateLimit(_ target: PostgresBenchTarget, checks: Int, logger: Logger) async throws {
    let db = target.store("ratelimit", logger: logger)
    try await db.migrate()
    let limits = PostgresRateLimitStore(store: db, logger: logger, now: { clock.now() })
    let rule = RateLimitRule(perMinute: 1_000_000)
    func key(_ n: Int) -> RateLimitKey { RateLimitKey(.publicRead, "10.0.\(n % 100 / 10).\(n % 10)") }
    for n in 0..<200 { _ = await limits.take(key(n), rule: rule, now: clock.now()) } // warm: connections, rows, plans
    var alone: [Double] = []
    alone.reserveCapacity(checks)
    let start = Monotonic.nanos()
    for n in 0..<checks {
        let t0 = Monotonic.nanos()
        _ = await limits.take(key(n), rule: rule, now: clock.now())
        alone.append(Double(Monotonic.nanos() - t0) / 1e6)
    }
    let aloneRate = Double(checks) / (Double(Monotonic.nanos() - start) / 1e9)
    let callers = 4
    let concurrentStart = Monotonic.nanos()
    let together = await withTaskGroup(of: [Double].self) { group in
        for caller in 0..<callers {
            group.addTask {
                var mine: [Double] = []
                for n in stride(from: caller, to: checks, by: callers) {
                    let t0 = Monotonic.nanos()
                    _ = await limits.take(key(n), rule: rule, now: clock.now())
                    mine.append(Double(Monotonic.nanos() - t0) / 1e6)
                }
                return mine
            }
        }
        return await group.reduce(into: [Double]()) { $0 += $1 }
    }
    let togetherRate = Double(together.count) / (Double(Monotonic.nanos() - concurrentStart) / 1e9)
    try await db.close()
    let p99 = percentile(alone, 0.99)
    print(
        String(
            format:
                "bench: pg rate-limit check (PostgresRateLimitStore.take), 1 caller: p50 %.3f ms, p99 %.3f ms, %.0f checks/s over %d checks (target p99 < 2 ms: %@)",
            percentile(alone, 0.5), p99, aloneRate, alone.count, p99 < 2 ? "met" : "MISSED"))
    print(
        String(
            format: "bench: pg rate-limit check, %d callers at once: p50 %.3f ms, p99 %.3f ms, %.0f checks/s over %d checks", callers,
            percentile(together, 0.5), percentile(together, 0.99), togetherRate, together.count))
}
