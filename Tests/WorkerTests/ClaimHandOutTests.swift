import Domain
import Logging
import Storage
import Synchronization
import TestSupport
import Testing

@testable import Worker

/// A loop's claim also takes a job for each loop waiting behind it for a compute slot, and hands them over
/// (`ComputePermits.jobsForWaitingClaimers`, `handOut`): how a pool's loops all get work within a commit of a backlog's
/// arrival instead of joining two to four per group commit.
@Suite struct ClaimHandOutTests {
    /// `n` tasks waiting to claim with a mailbox each (the pool's loops), once all are queued.
    static func waitingClaimers(_ permits: ComputePermits, _ n: Int) async throws -> [(task: Task<Bool, Never>, mailbox: ClaimMailbox)] {
        let before = permits.waitingCounts.claimers
        var waiting: [(Task<Bool, Never>, ClaimMailbox)] = []
        for _ in 0..<n {
            let mailbox = ClaimMailbox()
            waiting.append((Task { await permits.acquire(mailbox) }, mailbox))
            try #require(try await eventually(every: 0.002) { permits.waitingCounts.claimers == before + waiting.count })
        }
        return waiting
    }

    @Test func aClaimTakesOneJobPerWaitingLoopAndTwoClaimsNeverPromiseTheSameLoop() async throws {
        let permits = ComputePermits(1)
        #expect(await permits.acquire(), "the claiming loop holds the slot")
        let waiting = try await Self.waitingClaimers(permits, 3)
        #expect(permits.jobsForWaitingClaimers(limit: 2) == 2, "at most the limit")
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 1, "a second claim in flight takes one for the loop left")
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 0, "every waiting loop is promised a job")
        let left = permits.handOut([Self.job(1), Self.job(2)], promised: 2)
        #expect(left.isEmpty)
        #expect(permits.waitingCounts == (holders: 2, claimers: 1), "the two served loops now wait as holders of a job")
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 0, "the other claim's promise still stands")
        #expect(permits.handOut([], promised: 1).isEmpty, "that claim found nothing; its promise ends")
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 1, "the last waiting loop may be promised again")
        _ = permits.handOut([], promised: 1)

        permits.release()
        #expect(await waiting[0].task.value, "the longest-waiting loop, now a holder, gets the slot first")
        #expect(waiting[0].mailbox.take()?.id == 1)
        #expect(waiting[0].mailbox.take() == nil, "a mailbox hands its job over once")
        permits.release()
        #expect(await waiting[1].task.value)
        #expect(waiting[1].mailbox.take()?.id == 2)
        permits.release()
        #expect(await waiting[2].task.value, "the loop given nothing claims for itself")
        #expect(waiting[2].mailbox.take() == nil)
    }

    @Test func jobsNoLoopWaitsForAnyMoreAreReturnedToTheClaimer() async throws {
        let permits = ComputePermits(1)
        #expect(await permits.acquire())
        let waiting = try await Self.waitingClaimers(permits, 1)
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 1)
        let left = permits.handOut([Self.job(1), Self.job(2), Self.job(3)], promised: 1)
        #expect(left.map(\.id) == [2, 3], "one loop was waiting: the rest go back to the claimer to give back")
        permits.release()
        #expect(await waiting[0].task.value)
        #expect(waiting[0].mailbox.take()?.id == 1)
    }

    @Test func noJobIsTakenForALoopThatWouldWaitLongerThanAChainedJobMay() async throws {
        let permits = ComputePermits(1)
        #expect(await permits.acquire())
        let waiting = try await Self.waitingClaimers(permits, 2)
        permits.noteCompute(seconds: 2)
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 0, "jobs take 2 s and the slot is busy: a handed job would sit claimed")
        permits.close()
        for loop in waiting { #expect(await loop.task.value == false) }
    }

    @Test func closingEndsTheWaitOfALoopHandedAJobWhichKeepsItToGiveBack() async throws {
        let permits = ComputePermits(1)
        #expect(await permits.acquire())
        let waiting = try await Self.waitingClaimers(permits, 1)
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 1)
        _ = permits.handOut([Self.job(7)], promised: 1)
        permits.close()
        #expect(await waiting[0].task.value == false)
        #expect(waiting[0].mailbox.take()?.id == 7, "the loop finds the job it must give back")
        #expect(permits.handOut([Self.job(8)], promised: 0).map(\.id) == [8], "a closed pool hands out nothing")
        #expect(permits.jobsForWaitingClaimers(limit: 16) == 0)
    }

    static func job(_ id: Int64) -> ClaimedJob {
        ClaimedJob(id: id, type: "GENERATE_REPLY", postID: "p", personaID: "q", payload: "{}", attempts: 1, lockedAt: "2026-12-07T00:00:00.000000Z")
    }
}

/// The hand-out in a pool on each engine: eight loops wait for the one compute slot while a backlog of eight jobs
/// arrives; the first loop to get the slot claims all eight in one claim and hands seven over. Every job then runs
/// once, or, when the pool stops first, goes back to the queue without an attempt counted.
@Suite struct PoolHandOutTests {
    struct Scene {
        let h: WorkerHarness
        let pool: WorkerPool
        let handler: GatedHandler
        let signal = WakeSignal()
        let stopping = StopFlag()
        let running: Task<Void, Never>

        /// A pool of eight loops and one slot, idle on an empty queue; then the slot is held (as a job computing
        /// would), eight jobs arrive, and every loop waits to claim.
        init(_ backend: StoreBackend) async throws {
            h = try await WorkerHarness(personas: 8, backend: backend)
            handler = GatedHandler(queue: h.database, clock: h.clock)
            var logger = Logger(label: "hand-out-test")
            logger.logLevel = .critical
            let settings = WorkerPool.Settings(
                concurrency: 1, pollEvery: 3600, taskTimeout: 60, retryBase: 30, retryCap: 100, shutdownGrace: 0.2,
                policy: QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease), writeAhead: 8)
            pool = WorkerPool(queue: h.database, handler: handler, signal: signal, clock: h.clock, settings: settings, logger: logger)
            running = Task { [pool, stopping] in await pool.runLoops(stopping) }
            try #require(try await eventually(every: 0.005) { signal.waitingCount == 8 }, "every loop found nothing and went idle")
            #expect(await pool.permits.acquire())
            try await h.enqueue()
            signal.notify(8)
            try #require(try await eventually(every: 0.005) { pool.permits.waitingCounts.claimers == 8 })
            pool.permits.release()
            try #require(
                try await eventually(every: 0.005) { pool.permits.waitingCounts.holders == 7 && handler.started == 1 },
                "one claim took a job for each of the seven loops behind it")
            #expect(try await h.jobs().map(\.status) == Array(repeating: "PROCESSING", count: 8), "all eight claimed, none twice")
        }

        /// Stops the pool as its service does on a graceful shutdown.
        func stop() async {
            stopping.stop()
            pool.permits.close()
            signal.notify(8)
            handler.open()
            await running.value
        }
    }

    @Test(arguments: StoreBackend.available)
    func handedJobsRunOnceEach(backend: StoreBackend) async throws {
        let scene = try await Scene(backend)
        scene.handler.open()
        #expect(try await eventually { try await scene.h.jobs().allSatisfy { $0.status == "DONE" } }, "every job finished")
        await scene.stop()
        #expect(scene.handler.startedIDs.count == 8 && Set(scene.handler.startedIDs).count == 8, "each job ran once")
        #expect(try await scene.h.jobs().map(\.attempts) == Array(repeating: 0, count: 8), "no failure, no lease lost")
    }

    @Test(arguments: StoreBackend.available)
    func handedJobsNotYetStartedGoBackOnShutdownWithoutAnAttempt(backend: StoreBackend) async throws {
        let scene = try await Scene(backend)
        scene.handler.holdOnOpen = true
        await scene.stop()
        let jobs = try await scene.h.jobs()
        #expect(jobs.map(\.status) == Array(repeating: "PENDING", count: 8), "the seven handed jobs and the one running were put back")
        #expect(jobs.map(\.attempts) == Array(repeating: 0, count: 8))
        #expect(scene.handler.started == 1, "no handed job started after the stop")
    }
}

/// A handler whose jobs wait for `open()` while holding their compute slot, then finish as DONE (chaining the next
/// claim when asked). With `holdOnOpen`, an opened gate finishes nothing: the job is left to the pool's shutdown.
final class GatedHandler: JobHandler {
    private let queue: any JobQueue
    private let clock: any AppClock
    private let state = Mutex((startedIDs: [Int64](), isOpen: false, holdOnOpen: false))

    init(queue: any JobQueue, clock: any AppClock) {
        self.queue = queue
        self.clock = clock
    }

    var startedIDs: [Int64] { state.withLock { $0.startedIDs } }
    var started: Int { startedIDs.count }
    var holdOnOpen: Bool {
        get { state.withLock { $0.holdOnOpen } }
        set { state.withLock { $0.holdOnOpen = newValue } }
    }
    func open() { state.withLock { $0.isOpen = true } }

    func run(_ job: ClaimedJob, claimNext: QueuePolicy?) async -> (outcome: JobOutcome, next: ClaimedJob?) {
        state.withLock { $0.startedIDs.append(job.id) }
        while !state.withLock({ $0.isOpen }) && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(2)) }
        // Held past the stop: the pool's shutdown grace runs out and it puts the job back itself.
        while state.withLock({ $0.holdOnOpen }) && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(2)) }
        guard !Task.isCancelled else { return (.lostClaim, nil) }
        let chain = WorkerSlot.computed() ? claimNext : nil
        guard let (done, next) = try? await queue.completeJob(job, now: clock.now(), claimNext: chain), done else { return (.lostClaim, nil) }
        return (.done, next)
    }
}
