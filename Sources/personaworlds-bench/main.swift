import Domain
import Foundation
import GRDB
import Logging
import SQLiteStorage
import Storage
import Synchronization
import Worker

/// Queue benchmark (make bench), all on one SQLite file on this machine, side by side:
///   1. raw ceiling: a `BEGIN IMMEDIATE; UPDATE … RETURNING; COMMIT` loop;
///   2. end-to-end throughput: enqueue → DONE through the real queue and worker pool (no-op LLM);
///   3. no-op jobs: the same with a handler that only marks each job done (nothing written beyond the job row);
///   4. idle enqueue → start latency, p50 and p99;
///   then one vs two worker processes, card renders, the daily digest look, weekly digests and a retention pruning pass.
/// `BENCH_QUEUE_PARTS`, a comma list of raw, e2e, noop, latency, procs, card, digest-look, digest and prune (all by
/// default), picks the parts: `BENCH_QUEUE_PARTS=e2e` under callgrind measures the reply jobs alone (see `benchPhaseMark`).
/// On PostgreSQL (never by default; scripts/bench-postgres.sh runs them on the pgbench peer's cluster, see
/// `PostgresBenchTarget` for the `BENCH_PG_*` variables that name it): pg-e2e (reply jobs end to end, the median of
/// `BENCH_PG_E2E_RUNS` runs, 5 by default), pg-procs (one vs two `serve --worker-only` nodes on one database, needs
/// `BENCH_SERVER_BIN`; `BENCH_PG_PROCS_PAIRS` side-by-side pairs, 5 by default), pg-latency (enqueue on one node → start
/// on another, `BENCH_PG_LATENCY_JOBS` jobs, 200 by default) and pg-ratelimit (the shared rate-limit check,
/// `BENCH_PG_RATELIMIT_CHECKS`, 5000 by default).

/// An LLM that answers at once, so the benchmark measures the queue, not a provider.
struct NoopLLM: LLMClient {
    func generatePostDraft(persona: LLMPersona, room: LLMRoom) async throws -> String { "draft" }
    func generateReply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) async throws -> String {
        "\(persona.name) agrees."
    }
    func summarizeThread(post: LLMText, replies: [LLMText]) async throws -> String { "summary" }
    func summarizePersonaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) async throws -> String { "activity" }
}

/// Wraps a handler to record when each job starts.
final class StartRecorder: JobHandler, Sendable {
    let inner: any JobHandler
    private let started = Mutex<[Int64: UInt64]>([:])

    init(_ inner: any JobHandler) { self.inner = inner }

    private let done = Atomic<Int>(0)
    func run(_ job: ClaimedJob, claimNext: QueuePolicy?) async -> (outcome: JobOutcome, next: ClaimedJob?) {
        started.withLock { $0[job.id] = Monotonic.nanos() }
        let result = await inner.run(job, claimNext: claimNext)
        done.add(1, ordering: .relaxed)
        return result
    }
    /// Jobs whose handler returned (their finishing write has committed).
    var finished: Int { done.load(ordering: .relaxed) }

    /// (number of jobs started, latest start time).
    var snapshot: (count: Int, last: UInt64) { started.withLock { ($0.count, $0.values.max() ?? 0) } }
}

func fresh(_ name: String) throws -> (SQLiteStore, String) {
    let dir = NSTemporaryDirectory() + "pw-bench-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = "\(dir)/\(name).sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return (try SQLiteStore.open(settings: DatabaseSettings(path: path)), path)
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

let clock = SystemClock()
let jobCount = Int(ProcessInfo.processInfo.environment["BENCH_JOBS"] ?? "") ?? 5000
let parts = Set(
    (ProcessInfo.processInfo.environment["BENCH_QUEUE_PARTS"] ?? "raw,e2e,noop,latency,procs,card,digest-look,digest,prune")
        .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
let logger = Logger(label: "bench") { _ in QuietLogHandler() }
let settings = WorkerPool.Settings(
    concurrency: 4, pollEvery: 3, taskTimeout: 15, retryBase: 30, retryCap: 600, shutdownGrace: 5,
    policy: QueuePolicy(maxAttempts: 5, leaseSeconds: 45))

/// 1. Raw ceiling: the production claim statement in a `BEGIN IMMEDIATE … COMMIT` loop on the same kind of file.
func rawCeiling() async throws -> Double {
    let (rawDB, rawPath) = try fresh("raw")
    let rawIDs = try await rawDB.seedSyntheticLoad(personas: 50, posts: jobCount / 50, replyQuota: 1_000_000, now: clock.now())
    try await rawDB.close()
    var rawConfig = Configuration()
    rawConfig.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") } // the same durability as the app's connections
    let rawQueue = try DatabasePool(path: rawPath, configuration: rawConfig)
    let (rawOps, rawSeconds) = try rawClaimLoop(rawQueue, user: rawIDs.user)
    let rawRate = Double(rawOps) / rawSeconds
    try rawQueue.close()
    print(String(format: "bench: queue raw SQLite ceiling (BEGIN IMMEDIATE; UPDATE … RETURNING; COMMIT): %8.0f ops/s (%d ops)", rawRate, rawOps))
    return rawRate
}

/// The raw ceiling's loop, synchronous as a plain C loop would be: claims one job per transaction until none is left;
/// returns (claims, seconds).
func rawClaimLoop(_ rawQueue: DatabasePool, user: String) throws -> (Int, Double) {
    try rawQueue.write { db in
        try db.execute(
            sql: """
                INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
                SELECT 'generate_reply', p.id, pe.id, '{}', 'PENDING', 0, '2000-01-01T00:00:00.000000Z', '2000-01-01T00:00:00.000000Z', '2000-01-01T00:00:00.000000Z'
                FROM posts p CROSS JOIN personas pe WHERE pe.user_id = ?
                """, arguments: [user])
        // Distinct enqueue times, as real jobs have (identical ones would make every claim sort the whole tie group).
        try db.execute(
            sql: """
                UPDATE jobs SET created_at = strftime('%Y-%m-%dT%H:%M:%S', 946684800 + id, 'unixepoch') || '.000000Z',
                                available_at = strftime('%Y-%m-%dT%H:%M:%S', 946684800 + id, 'unixepoch') || '.000000Z'
                """)
    }
    let rawStart = Monotonic.nanos()
    var rawOps = 0
    while true {
        let id: Int64? = try rawQueue.writeWithoutTransaction { db in
            var claimed: Int64?
            try db.inTransaction(.immediate) {
                // One UPDATE … RETURNING per transaction, one job each.
                claimed = try Int64.fetchOne(
                    db.cachedStatement(sql: SQLiteStore.claimSQL),
                    arguments: ["now": clock.now().storageString, "max": 5, "limit": 1])
                return .commit
            }
            return claimed
        }
        if id == nil { break }
        rawOps += 1
    }
    return (rawOps, Double(Monotonic.nanos() - rawStart) / 1e9)
}

/// 2. End-to-end reply jobs with WORKER_CONCURRENCY=4: enqueue → DONE through the real queue and worker pool.
func endToEnd() async throws -> Double {
    let (db, path) = try fresh("queue")
    let ids = try await db.seedSyntheticLoad(personas: 50, posts: jobCount / 50, replyQuota: 1_000_000, now: clock.now())
    // As `serve` does: background WAL checkpoints (SQLiteStore+Checkpoint).
    let checkpoints = Task { await db.runCheckpoints(every: 0.25) }
    let pool = BenchPool(queue: db, settings: settings, logger: logger)
    benchPhaseMark()
    let cpuStart = processCPUSeconds()
    let e2eStart = Monotonic.nanos()
    for post in ids.posts {
        _ = try await db.enqueueReplies(postID: post, personaIDs: ids.personas, userID: ids.user, payloadExtra: [:], maxAttempts: 5, now: clock.now())
        pool.signal.notify(4)
    }
    let enqueueSeconds = Double(Monotonic.nanos() - e2eStart) / 1e9
    // Waits on the handler's own count of finished jobs: polling the queue from a reader would compete with the
    // workers for the two cores and keep the WAL from being checkpointed, which is not what is measured.
    let deadline = Monotonic.nanos() + 600_000_000_000
    while pool.recorder.finished < jobCount && Monotonic.nanos() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
    while try await db.queueDepth(maxAttempts: 5)[JobKind.generateReply.rawValue, default: 0] > 0 { try await Task.sleep(nanoseconds: 20_000_000) }
    let e2eSeconds = Double(Monotonic.nanos() - e2eStart) / 1e9
    let cpuSeconds = processCPUSeconds() - cpuStart
    benchPhaseMark()
    await pool.stop()
    checkpoints.cancel()
    try await db.close()
    let doneCount = try await DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM replies") ?? 0 }
    let e2eRate = Double(doneCount) / e2eSeconds
    print(
        String(
            format: "bench: queue end-to-end enqueue→DONE, no-op LLM, WORKER_CONCURRENCY=4: %8.0f jobs/s (%d jobs in %.2f s)", e2eRate, doneCount,
            e2eSeconds))
    print(String(format: "bench: queue (enqueueing all %d jobs took %.2f s of that, concurrently with the workers)", jobCount, enqueueSeconds))
    print(
        String(
            format: "bench: queue end-to-end CPU time: %.0f µs per job (user + system, all threads, enqueue included)",
            cpuSeconds * 1e6 / Double(max(1, doneCount))))
    print(String(format: "bench: queue end-to-end >= 2000 jobs/s: %@", e2eRate >= 2000 ? "met" : "MISSED"))
    return e2eRate
}

/// 4. Idle enqueue → start latency: one job at a time, every loop idle before each.
func idleLatency() async throws {
    let (latDB, _) = try fresh("latency")
    let latIDs = try await latDB.seedSyntheticLoad(personas: 1, posts: 300, replyQuota: 1_000_000, now: clock.now())
    let pool = BenchPool(queue: latDB, settings: settings, logger: logger)
    try await Task.sleep(nanoseconds: 200_000_000)
    var latencies: [Double] = []
    for post in latIDs.posts {
        try await Task.sleep(nanoseconds: 5_000_000) // let every loop go idle
        let t0 = Monotonic.nanos()
        _ = try await latDB.enqueueReplies(
            postID: post, personaIDs: latIDs.personas, userID: latIDs.user, payloadExtra: [:], maxAttempts: 5, now: clock.now())
        pool.signal.notify()
        while true {
            let (count, last) = pool.recorder.snapshot
            if count == latencies.count + 1 {
                latencies.append(Double(last - t0) / 1e6)
                break
            }
            try await Task.sleep(nanoseconds: 50_000)
        }
    }
    await pool.stop()
    try await latDB.close()
    print(
        String(
            format: "bench: idle enqueue→start latency p50 %.2f ms, p99 %.2f ms over %d jobs (target p99 < 5 ms: %@)",
            percentile(latencies, 0.5), percentile(latencies, 0.99), latencies.count, percentile(latencies, 0.99) < 5 ? "met" : "MISSED"))
}

let rawRate = parts.contains("raw") ? try await rawCeiling() : 0
if parts.contains("e2e") {
    let e2eRate = try await endToEnd()
    if rawRate > 0 {
        print(
            String(
                format: "bench: queue throughput ratio end-to-end/raw = %.2f  (target >= 0.50: %@)", e2eRate / rawRate,
                e2eRate / rawRate >= 0.5 ? "met" : "MISSED"))
    }
}
if parts.contains("noop") {
    let noop = try await benchmarkNoopJobs(jobs: 2 * jobCount, settings: settings, logger: logger)
    print(
        String(
            format:
                "bench: queue no-op jobs enqueue→DONE (nothing written beyond the job row), WORKER_CONCURRENCY=4: %8.0f jobs/s (%d jobs in %.2f s; CPU %.0f µs per job)",
            noop.rate, noop.done, noop.seconds, noop.cpuPerJob * 1e6))
}
if parts.contains("latency") { try await idleLatency() }
if parts.contains("procs") {
    if let server = ProcessInfo.processInfo.environment["BENCH_SERVER_BIN"], !server.isEmpty {
        try await benchmarkWorkerProcesses(binary: server, jobs: jobCount)
    } else {
        print("bench: worker processes on one file: skipped (set BENCH_SERVER_BIN to the personaworlds binary)")
    }
}
if parts.contains("card") { try benchmarkCardRender() }
let environment = ProcessInfo.processInfo.environment
let postgresParts = parts.filter { $0.hasPrefix("pg-") }
if !postgresParts.isEmpty {
    if let target = PostgresBenchTarget(environment) {
        if parts.contains("pg-e2e") {
            let runs = max(1, Int(environment["BENCH_PG_E2E_RUNS"] ?? "") ?? 5)
            _ = try await benchmarkPostgresEndToEnd(target, jobs: jobCount, runs: runs, settings: settings, logger: logger)
        }
        if parts.contains("pg-procs") {
            if let server = environment["BENCH_SERVER_BIN"], !server.isEmpty {
                let pairs = max(1, Int(environment["BENCH_PG_PROCS_PAIRS"] ?? "") ?? 5)
                try await benchmarkPostgresWorkerNodes(target, binary: server, jobs: jobCount, pairs: pairs, logger: logger)
            } else {
                print("bench: pg worker nodes: SKIP (set BENCH_SERVER_BIN to the personaworlds binary)")
            }
        }
        if parts.contains("pg-latency") {
            let jobs = Int(environment["BENCH_PG_LATENCY_JOBS"] ?? "") ?? 200
            try await benchmarkPostgresCrossNodeLatency(target, jobs: max(1, jobs), settings: settings, logger: logger)
        }
        if parts.contains("pg-ratelimit") {
            let checks = Int(environment["BENCH_PG_RATELIMIT_CHECKS"] ?? "") ?? 5000
            try await benchmarkPostgresRateLimit(target, checks: max(1, checks), logger: logger)
        }
    } else {
        print("bench: \(postgresParts.sorted().joined(separator: ",")): SKIP (BENCH_PG_SOCKET_DIR, BENCH_PG_PORT and BENCH_PG_USER name no cluster)")
    }
}
if parts.contains("digest-look") { try await benchmarkDigestLook() }
if parts.contains("digest") { try await benchmarkWeeklyDigest() }
if parts.contains("prune") { try await benchmarkPruning() }
