import Domain
import Logging
import ServiceLifecycle
import Store
import Synchronization

/// `WORKER_CONCURRENCY` claim→execute loops in one process (DECISIONS.md #1–6).
///
/// Loops wake at once on an in-process enqueue and poll every `pollEvery` for jobs from other
/// processes. On graceful shutdown they stop claiming; a job in flight gets `shutdownGrace` to
/// finish and is otherwise released back to the queue without losing an attempt.
public struct WorkerPool: Service {
    /// Tunables from the configuration.
    public struct Settings: Sendable {
        public var concurrency: Int
        public var pollEvery: Double
        public var taskTimeout: Double
        public var retryBase: Double
        public var retryCap: Double
        public var shutdownGrace: Double
        public var policy: QueuePolicy

        public init(concurrency: Int, pollEvery: Double, taskTimeout: Double, retryBase: Double, retryCap: Double,
                    shutdownGrace: Double, policy: QueuePolicy) {
            self.concurrency = concurrency; self.pollEvery = pollEvery; self.taskTimeout = taskTimeout; self.retryBase = retryBase
            self.retryCap = retryCap; self.shutdownGrace = shutdownGrace; self.policy = policy
        }
    }

    let database: AppDatabase
    let handler: any JobHandler
    let signal: WakeSignal
    let clock: any AppClock
    let settings: Settings
    let metrics: WorkerMetrics
    let logger: Logger
    let jitter: @Sendable () -> Double

    public init(database: AppDatabase, handler: any JobHandler, signal: WakeSignal, clock: any AppClock, settings: Settings,
                metrics: WorkerMetrics = .none, logger: Logger, jitter: @escaping @Sendable () -> Double = Backoff.randomJitter) {
        self.database = database; self.handler = handler; self.signal = signal; self.clock = clock; self.settings = settings
        self.metrics = metrics; self.logger = logger; self.jitter = jitter
    }

    public func run() async throws {
        logger.info("worker_started", metadata: ["concurrency": .stringConvertible(settings.concurrency),
                                                 "poll_every_ms": .stringConvertible(Int(settings.pollEvery * 1000))])
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            await runLoops(stopping)
        } onGracefulShutdown: {
            stopping.stop()
            signal.notify(settings.concurrency)
        }
        logger.info("worker_stopped")
    }

    /// Runs `concurrency` loops until `stopping` is set (and the signal is notified).
    public func runLoops(_ stopping: StopFlag) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, settings.concurrency) {
                group.addTask { await self.loop(stopping) }
            }
        }
    }

    /// One claim→execute loop.
    private func loop(_ stopping: StopFlag) async {
        while !stopping.isStopped {
            let worked: Bool
            do {
                worked = try await runOnce(stopping: stopping)
            } catch {
                logger.error("worker_task_error", metadata: ["task": "jobs", "error": .string(String(describing: error))])
                worked = false
            }
            if !worked && !stopping.isStopped { await signal.wait(timeout: settings.pollEvery) }
        }
    }

    /// Claims and runs at most one job; returns whether there was one.
    @discardableResult
    public func runOnce(stopping: StopFlag = StopFlag()) async throws -> Bool {
        guard let job = try await database.claimJob(policy: settings.policy, now: clock.now()) else { return false }
        let start = Monotonic.nanos()
        var log = logger
        let trace = job.traceID ?? ""
        log[metadataKey: "job_id"] = .stringConvertible(job.id)
        log[metadataKey: "job_type"] = .string(job.type)
        log[metadataKey: "trace_id"] = .string(trace)
        log[metadataKey: "request_id"] = .string(trace)
        log.info("job_started")
        let outcome = await execute(job, stopping: stopping)
        guard let outcome else {
            try await database.releaseJob(job, now: clock.now())
            log.notice("job_released", metadata: ["reason": "shutdown"])
            return true
        }
        try await record(outcome, for: job, seconds: Double(Monotonic.nanos() - start) / 1e9, logger: log, traced: !trace.isEmpty)
        return true
    }

    /// Runs the handler under the task deadline; nil when shutdown cut it short.
    private func execute(_ job: ClaimedJob, stopping: StopFlag) async -> JobOutcome? {
        let deadline = Monotonic.nanos() + UInt64(settings.taskTimeout * 1e9)
        return await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask {
                await RequestDeadline.$nanos.withValue(deadline) { await handler.run(job) }
            }
            group.addTask {
                // Watchdog: after shutdown starts, give the job `shutdownGrace`, then abandon it.
                while !stopping.isStopped {
                    try? await Task.sleep(nanoseconds: 50_000_000)
                    if Task.isCancelled { return .done }
                }
                try? await Task.sleep(nanoseconds: UInt64(settings.shutdownGrace * 1e9))
                return Task.isCancelled ? .done : nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Writes the outcome with a fresh deadline and updates metrics and logs.
    private func record(_ outcome: JobOutcome, for job: ClaimedJob, seconds: Double, logger log: Logger, traced: Bool) async throws {
        let latency: Logger.MetadataValue = .stringConvertible(Int(seconds * 1000))
        let now = clock.now()
        let maxAttempts = settings.policy.maxAttempts
        switch outcome {
        case .done:
            metrics.processed(job.type, "done", seconds, traced)
            log.info("job_completed", metadata: ["status": "done", "latency_ms": latency])
        case .lostClaim:
            log.warning("job_claim_lost", metadata: ["latency_ms": latency])
        case .permanent(let message):
            _ = try await database.failJob(job, attempts: maxAttempts, error: message, availableAt: nil, now: now)
            metrics.processed(job.type, "failed", seconds, traced)
            log.error("job_failed_permanently", metadata: ["status": "failed", "latency_ms": latency, "error": .string(message)])
        case .retry(let message):
            let next = job.attempts + 1
            if next >= maxAttempts {
                _ = try await database.failJob(job, attempts: maxAttempts, error: message, availableAt: nil, now: now)
                metrics.processed(job.type, "failed", seconds, traced)
                log.error("job_failed_permanently", metadata: ["status": "failed", "latency_ms": latency, "error": .string(message)])
            } else {
                let delay = Backoff.delay(failure: next, base: settings.retryBase, cap: settings.retryCap, jitter: jitter())
                _ = try await database.failJob(job, attempts: next, error: message, availableAt: now.adding(seconds: delay), now: now)
                metrics.processed(job.type, "retry", seconds, traced)
                metrics.retried(job.type)
                log.error("job_failed_retrying", metadata: ["status": "retry", "latency_ms": latency, "error": .string(message)])
            }
        }
    }
}

/// Set once graceful shutdown begins.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public var isStopped: Bool { flag.load(ordering: .relaxed) }
    public func stop() { flag.store(true, ordering: .relaxed) }
}

/// Hooks for the queue metrics (BEHAVIOR.md §14.1), so the worker does not depend on Prometheus.
public struct WorkerMetrics: Sendable {
    /// (type, status done|retry|failed, seconds, trace present).
    public var processed: @Sendable (String, String, Double, Bool) -> Void
    /// (type) for each retryable failure.
    public var retried: @Sendable (String) -> Void

    public init(processed: @escaping @Sendable (String, String, Double, Bool) -> Void, retried: @escaping @Sendable (String) -> Void) {
        self.processed = processed; self.retried = retried
    }

    public static let none = WorkerMetrics(processed: { _, _, _, _ in }, retried: { _ in })
}
