import Domain
import GRDB
import Logging
import Storage
import TestSupport
import Worker

@testable import SQLiteStorage

/// A real SQLite file, a manual clock, a scripted LLM and a worker pool whose loop the test drives.
struct WorkerHarness {
    let dir = TestDirectory()
    let clock = ManualClock()
    let llm: ScriptedLLM
    let database: SQLiteStore
    let pool: WorkerPool
    let ids: (user: String, personas: [String], posts: [String])
    static let maxAttempts = 3
    static let lease = 20.0

    init(steps: [ScriptedLLM.Step] = [], personas: Int = 1, posts: Int = 1, replyQuota: Int = 100) async throws {
        llm = ScriptedLLM(steps)
        database = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath))
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
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT status, attempts, error, available_at FROM jobs ORDER BY id").map {
                ($0["status"], $0["attempts"], $0["error"], $0["available_at"])
            }
        }
    }

    func replyCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM replies") ?? 0 }
    }
}
