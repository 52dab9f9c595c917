import Domain
import Logging
import Storage
import TestSupport
import Worker

/// A fresh store (SQLite unless told otherwise), a manual clock, a scripted LLM and a worker pool whose loop the test
/// drives.
struct WorkerHarness {
    let dir: TestDirectory
    let clock = ManualClock()
    let llm: ScriptedLLM
    let database: any AppStore & DemoSeeder
    /// The rows behind `database`, for what the queue's protocol does not show (a job's error, its retry time).
    let sql: TestDatabase
    let pool: WorkerPool
    let ids: (user: String, personas: [String], posts: [String])
    static let maxAttempts = 3
    static let lease = 20.0

    init(
        steps: [ScriptedLLM.Step] = [], personas: Int = 1, posts: Int = 1, replyQuota: Int = 100, backend: StoreBackend = .sqlite
    ) async throws {
        llm = ScriptedLLM(steps)
        dir = TestDirectory(backend: backend)
        database = try await backend.makeStore(in: dir, now: clock.now())
        sql = try await TestDatabase.open(dir)
        ids = try await Fixtures.seed(database, personas: personas, posts: posts, replyQuota: replyQuota, now: clock.now())
        var logger = Logger(label: "worker-test")
        logger.logLevel = .critical
        let settings = WorkerPool.Settings(
            concurrency: 1, pollEvery: 0.05, taskTimeout: 5, retryBase: 30, retryCap: 100,
            shutdownGrace: 0.2, policy: QueuePolicy(maxAttempts: Self.maxAttempts, leaseSeconds: Self.lease))
        pool = WorkerPool(
            queue: database, handler: ReplyJobHandler(queue: database, llm: llm, clock: clock, replyMaxLength: 280),
            signal: WakeSignal(), clock: clock, settings: settings, logger: logger, jitter: { 1.0 })
    }

    /// Enqueues one job per persona for post `n`.
    @discardableResult
    func enqueue(post n: Int = 0, trace: String = "trace-1") async throws -> EnqueueResult {
        try await database.enqueueReplies(
            postID: ids.posts[n], personaIDs: ids.personas, userID: ids.user,
            payloadExtra: ["trace_id": trace], maxAttempts: Self.maxAttempts, now: clock.now())
    }

    /// (status, attempts, error, available_at) of every job, by id.
    func jobs() async throws -> [(status: String, attempts: Int, error: String?, availableAt: String)] {
        try await sql.rows("SELECT status, attempts, error, available_at FROM jobs ORDER BY id").map {
            (($0["status"] ?? nil) ?? "", Int(($0["attempts"] ?? nil) ?? "") ?? -1, $0["error"] ?? nil, ($0["available_at"] ?? nil) ?? "")
        }
    }

    func replyCount() async throws -> Int {
        try await sql.int("SELECT COUNT(*) FROM replies") ?? 0
    }
}
