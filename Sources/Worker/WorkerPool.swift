import Domain
import Logging
import ServiceLifecycle
import Storage

/// `WORKER_CONCURRENCY` claim→execute loops in one process.
///
/// Loops wake at once on an in-process enqueue (and, on PostgreSQL, on another node's, through LISTEN). For jobs no
/// wake-up announced (another SQLite process's, a retry coming due, a lost notification), the pool polls every
/// `pollEvery`: one tick wakes one idle loop, not every loop, so an idle node costs the database one claim per
/// interval whatever `WORKER_CONCURRENCY` is. A loop that finds a job after a wait wakes one more loop, so a backlog
/// the poll found is taken up by every loop within a few claims. On graceful shutdown they stop claiming; a job in
/// flight gets `shutdownGrace` to finish and is otherwise released back to the queue without losing an attempt.
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
        /// Loops per compute slot: with more than one, loops beyond `concurrency` wait for their finishing write's
        /// commit while others compute (`ComputePermits`), so group-committed batches fill up. For an engine whose
        /// commit is a round trip away (PostgreSQL); 1 keeps one loop per slot.
        public var writeAhead: Int

        public init(
            concurrency: Int, pollEvery: Double, taskTimeout: Double, retryBase: Double, retryCap: Double,
            shutdownGrace: Double, policy: QueuePolicy, writeAhead: Int = 1
        ) {
            self.concurrency = concurrency
            self.pollEvery = pollEvery
            self.taskTimeout = taskTimeout
            self.retryBase = retryBase
            self.retryCap = retryCap
            self.shutdownGrace = shutdownGrace
            self.policy = policy
            self.writeAhead = max(1, writeAhead)
        }

        /// The claim→execute loops: `concurrency` compute slots times `writeAhead`.
        public var loops: Int { max(1, concurrency) * max(1, writeAhead) }
    }

    let queue: any JobQueue
    let handler: any JobHandler
    let signal: WakeSignal
    let clock: any AppClock
    let settings: Settings
    let metrics: WorkerMetrics
    let logger: Logger
    let jitter: @Sendable () -> Double
    /// Called once a job's final state (done, or failed with no attempt left) is written; not for a lost claim (the
    /// job belongs to whoever took it over).
    let jobSettled: @Sendable (ClaimedJob) -> Void
    /// `settings.concurrency` slots for the jobs computing at once.
    let permits: ComputePermits

    public init(
        queue: any JobQueue, handler: any JobHandler, signal: WakeSignal, clock: any AppClock, settings: Settings,
        metrics: WorkerMetrics = .none, logger: Logger, jitter: @escaping @Sendable () -> Double = Backoff.randomJitter,
        jobSettled: @escaping @Sendable (ClaimedJob) -> Void = { _ in }
    ) {
        self.queue = queue
        self.handler = handler
        self.signal = signal
        self.clock = clock
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.jitter = jitter
        self.jobSettled = jobSettled
        self.permits = ComputePermits(settings.concurrency)
    }

    public func run() async throws {
        logger.info(
            "worker_started",
            metadata: [
                "concurrency": .stringConvertible(settings.concurrency),
                "loops": .stringConvertible(settings.loops),
                "poll_every_ms": .stringConvertible(Int(saturating: settings.pollEvery * 1000)),
            ])
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            await runLoops(stopping)
        } onGracefulShutdown: {
            stopping.stop()
            permits.close()
            signal.notify(settings.loops)
        }
        logger.info("worker_stopped")
    }

    /// Runs `concurrency` loops until `stopping` is set (and the signal is notified), with the poll tick beside them.
    public func runLoops(_ stopping: StopFlag) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.pollTicks() }
            await withTaskGroup(of: Void.self) { loops in
                for _ in 0..<settings.loops {
                    loops.addTask { await self.loop(stopping) }
                }
            }
            group.cancelAll()
        }
    }

    /// Every `pollEvery`, wakes one idle loop to claim; ends when cancelled (the loops have ended).
    private func pollTicks() async {
        while !Task.isCancelled {
            do { try await Task.sleep(nanoseconds: UInt64(saturating: settings.pollEvery * 1e9)) } catch { return }
            signal.wakeOneWaiting()
        }
    }

    /// One claim→execute loop. While busy, finishing a job also claims the next one in the same transaction. A loop
    /// claims only while it holds a compute slot, and keeps it until its handler hands the result to the queue
    /// (`WorkerSlot`); a chained job then waits for a slot ahead of loops that want to claim, and a write chains a
    /// claim only when that wait is expected to be short (`ComputePermits.reserveChain`).
    private func loop(_ stopping: StopFlag) async {
        var next: ClaimedJob?
        var afterWait = false
        // Cancellation ends the loop too: when another service of the group fails (a monitoring port already in use),
        // the group cancels instead of shutting down gracefully, every database call then throws at once, and a loop
        // that only watched `stopping` would spin, logging without end, and keep the process from exiting.
        running: while !stopping.isStopped && !Task.isCancelled {
            do {
                let job: ClaimedJob
                if let chained = next {
                    next = nil
                    guard await permits.acquireForHeldJob() else {
                        try? await queue.releaseJob(chained, now: clock.now())
                        break
                    }
                    job = chained
                } else {
                    switch try await claimHoldingSlot(unless: stopping) {
                    case .closing: break running
                    case .nothing:
                        await signal.wait(timeout: nil)
                        afterWait = true
                        continue
                    case .job(let claimed): job = claimed
                    }
                    // Woken by one tick or one notification, this loop may have found the first of several jobs: it
                    // passes the wake-up on, and the chain stops at the first loop that finds nothing.
                    if afterWait { signal.notify(1) }
                }
                afterWait = false
                next = try await process(job, stopping: stopping, chain: true)
            } catch {
                logger.error("worker_task_error", metadata: ["task": "jobs", "error": .string(String(describing: error))])
                await signal.wait(timeout: settings.pollEvery)
                afterWait = true
            }
        }
        if let unstarted = next { try? await queue.releaseJob(unstarted, now: clock.now()) }
    }

    /// Claims and runs at most one job; returns whether there was one.
    @discardableResult
    public func runOnce(stopping: StopFlag = StopFlag()) async throws -> Bool {
        guard case .job(let job) = try await claimHoldingSlot(unless: nil) else { return false }
        _ = try await process(job, stopping: stopping, chain: false)
        return true
    }

    /// What `claimHoldingSlot` got.
    private enum SlotClaim {
        /// No slot: the pool is closing (or `stopping` was set while waiting for one).
        case closing
        /// Nothing claimable; the slot was given back.
        case nothing
        /// A job, with its slot held.
        case job(ClaimedJob)
    }

    /// Waits for a compute slot and claims one job holding it; the slot is given back unless a job came (and when the
    /// claim throws).
    ///
    /// While it waits for the slot, another loop's claim may hand it a job (`ComputePermits.handOut`); its own claim
    /// takes one more job for each loop waiting so (`ComputePermits.jobsForWaitingClaimers`, at most
    /// `handOutLimit`), which is how a pool's loops all get work within a commit or two of a backlog's arrival.
    private func claimHoldingSlot(unless stopping: StopFlag?) async throws -> SlotClaim {
        let mailbox = ClaimMailbox()
        let acquired = await permits.acquire(mailbox)
        let handed = mailbox.take()
        guard acquired, stopping?.isStopped != true else {
            if acquired { permits.release() }
            if let handed { try? await queue.releaseJob(handed, now: clock.now()) }
            return .closing
        }
        if let handed { return .job(handed) }
        let extra = permits.jobsForWaitingClaimers(limit: Self.handOutLimit)
        let claimed: [ClaimedJob]
        do { claimed = try await queue.claimJobs(limit: 1 + extra, policy: settings.policy, now: clock.now()) } catch {
            _ = permits.handOut([], promised: extra)
            permits.release()
            throw error
        }
        for unwanted in permits.handOut(Array(claimed.dropFirst()), promised: extra) {
            try? await queue.releaseJob(unwanted, now: clock.now())
        }
        guard let first = claimed.first else {
            permits.release()
            return .nothing
        }
        return .job(first)
    }

    /// The most jobs one claim takes for loops waiting to claim (`claimHoldingSlot`).
    static let handOutLimit = 16

    /// Runs one claimed job (its slot held) and records its outcome; returns the next job when `chain` claimed one.
    private func process(_ job: ClaimedJob, stopping: StopFlag, chain: Bool) async throws -> ClaimedJob? {
        let start = Monotonic.nanos()
        var log = logger
        let trace = job.traceID ?? ""
        log[metadataKey: "job_id"] = .stringConvertible(job.id)
        log[metadataKey: "job_type"] = .string(job.type)
        log[metadataKey: "trace_id"] = .string(trace)
        log[metadataKey: "request_id"] = .string(trace)
        log.info("job_started")
        let slot = JobSlot(permits)
        defer { slot.end() }
        let claimNext = chain && !stopping.isStopped ? settings.policy : nil
        let executed = await WorkerSlot.$current.withValue(slot) {
            await execute(job, claimNext: claimNext, stopping: stopping)
        }
        guard let (outcome, next) = executed else {
            try await queue.releaseJob(job, now: clock.now())
            log.notice("job_released", metadata: ["reason": "shutdown"])
            return nil
        }
        slot.endCompute()
        let failureChain = next == nil && claimNext != nil && outcome.writesFailure && slot.reserveChain() ? claimNext : nil
        let failedNext = try await record(
            outcome, for: job, seconds: Double(Monotonic.nanos() - start) / 1e9, logger: log, traced: !trace.isEmpty,
            claimNext: failureChain)
        return next ?? failedNext
    }

    /// Runs the handler under the task deadline; nil when shutdown cut it short.
    private func execute(_ job: ClaimedJob, claimNext: QueuePolicy?, stopping: StopFlag) async -> (JobOutcome, ClaimedJob?)? {
        let deadline = Monotonic.nanos(after: settings.taskTimeout)
        return await withTaskGroup(of: (JobOutcome, ClaimedJob?)?.self) { group in
            group.addTask {
                await RequestDeadline.$nanos.withValue(deadline) { await handler.run(job, claimNext: claimNext) }
            }
            group.addTask {
                // Watchdog: after shutdown starts, give the job `shutdownGrace`, then abandon it. It waits on the flag
                // (no timer per job) and is cancelled as soon as the handler returns.
                await stopping.waitUntilStopped()
                if Task.isCancelled { return (.done, nil) }
                try? await Task.sleep(nanoseconds: UInt64(saturating: settings.shutdownGrace * 1e9))
                return Task.isCancelled ? (.done, nil) : nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Writes the outcome with a fresh deadline and updates metrics and logs.
    /// Failures are written with `claimNext` so a busy loop also chains after a failed job.
    private func record(
        _ outcome: JobOutcome, for job: ClaimedJob, seconds: Double, logger log: Logger, traced: Bool,
        claimNext: QueuePolicy?
    ) async throws -> ClaimedJob? {
        let latency: Logger.MetadataValue = .stringConvertible(Int(saturating: seconds * 1000))
        let now = clock.now()
        let maxAttempts = settings.policy.maxAttempts
        switch outcome {
        case .done:
            metrics.processed(job.type, "done", seconds, traced)
            log.info("job_completed", metadata: ["status": "done", "latency_ms": latency])
            jobSettled(job)
            return nil
        case .lostClaim:
            log.warning("job_claim_lost", metadata: ["latency_ms": latency])
            return nil
        case .permanent(let message):
            let next = try await queue.failJob(job, attempts: maxAttempts, error: message, availableAt: nil, now: now, claimNext: claimNext)
            metrics.processed(job.type, "failed", seconds, traced)
            log.error("job_failed_permanently", metadata: ["status": "failed", "latency_ms": latency, "error": .string(message)])
            jobSettled(job)
            return next
        case .retry(let message):
            let attempt = job.attempts + 1
            if attempt >= maxAttempts {
                let next = try await queue.failJob(job, attempts: maxAttempts, error: message, availableAt: nil, now: now, claimNext: claimNext)
                metrics.processed(job.type, "failed", seconds, traced)
                log.error("job_failed_permanently", metadata: ["status": "failed", "latency_ms": latency, "error": .string(message)])
                jobSettled(job)
                return next
            }
            let delay = Backoff.delay(failure: attempt, base: settings.retryBase, cap: settings.retryCap, jitter: jitter())
            let next = try await queue.failJob(
                job, attempts: attempt, error: message, availableAt: now.adding(seconds: delay), now: now,
                claimNext: claimNext)
            metrics.processed(job.type, "retry", seconds, traced)
            metrics.retried(job.type)
            log.error("job_failed_retrying", metadata: ["status": "retry", "latency_ms": latency, "error": .string(message)])
            return next
        }
    }
}

/// Hooks for the queue metrics (`jobs_processed_total`, `job_retries_total`), so the worker does not depend on Prometheus.
public struct WorkerMetrics: Sendable {
    /// Every status `processed` reports.
    public static let statuses = ["done", "retry", "failed"]
    /// (type, status done|retry|failed, seconds, trace present).
    public var processed: @Sendable (String, String, Double, Bool) -> Void
    /// (type) for each retryable failure.
    public var retried: @Sendable (String) -> Void

    public init(processed: @escaping @Sendable (String, String, Double, Bool) -> Void, retried: @escaping @Sendable (String) -> Void) {
        self.processed = processed
        self.retried = retried
    }

    public static let none = WorkerMetrics(processed: { _, _, _, _ in }, retried: { _ in })
}
