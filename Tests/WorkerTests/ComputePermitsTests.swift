import Domain
import Logging
import Storage
import Synchronization
import TestSupport
import Testing
import Worker

/// `WORKER_CONCURRENCY` bounds the jobs computing at once (the LLM calls), not the finishing writes waiting for their
/// commit: with `writeAhead`, more loops hand their write to the queue and wait without a compute slot, and a write
/// chains the next claim only when that job would get a slot soon.
@Suite struct ComputePermitsTests {
    @Test func aFreedSlotGoesToALoopHoldingAJobBeforeOneThatWantsToClaim() async throws {
        let permits = ComputePermits(1)
        #expect(await permits.acquire())
        let order = LockedBox<[String]>([])
        let claimer = Task {
            if await permits.acquire() { order.mutate { $0.append("claimer") } }
        }
        // The claimer queues first; the holder second, and is still served first.
        try #require(try await eventually(every: 0.005) { permits.waitingCounts.claimers == 1 })
        let holder = Task {
            if await permits.acquireForHeldJob() { order.mutate { $0.append("holder") } }
        }
        try #require(try await eventually(every: 0.005) { permits.waitingCounts.holders == 1 })
        permits.release()
        try #require(try await eventually(every: 0.005) { order.value.count == 1 })
        permits.release()
        await claimer.value
        await holder.value
        #expect(order.value == ["holder", "claimer"])
    }

    @Test func aWriteChainsAClaimOnlyWhenTheJobWouldStartSoon() async {
        let busy = ComputePermits(2)
        #expect(await busy.acquire(), "both slots computing")
        #expect(await busy.acquire())
        busy.noteCompute(seconds: 0.0002)
        #expect(busy.reserveChain(), "jobs compute in microseconds: a chained job waits a moment")
        #expect(busy.reserveChain())
        busy.endChain()
        busy.endChain()

        let slow = ComputePermits(2)
        slow.noteCompute(seconds: 2)
        #expect(slow.reserveChain(), "a slot is free: the chained job starts at once")
        #expect(await slow.acquire(), "one slot left free after the reservation")
        #expect(!slow.reserveChain(), "every slot is taken or promised and jobs take 2 s: the job would sit claimed here")
        slow.endChain()
        #expect(slow.reserveChain(), "the finished chain's promise is given back")
    }

    @Test func closingEndsEveryWaitWithNoSlot() async throws {
        let permits = ComputePermits(1)
        #expect(await permits.acquire())
        let waiting = Task { await permits.acquire() }
        try #require(try await eventually(every: 0.005) { permits.waitingCounts.claimers == 1 })
        permits.close()
        #expect(await waiting.value == false)
        #expect(await permits.acquire() == false)
        #expect(!permits.reserveChain())
    }

    @Test func onlyConcurrencyJobsComputeAtOnceWhileMoreWritesWaitForTheirCommit() async throws {
        let h = try await WorkerHarness(personas: 4)
        let handler = TwoPhaseHandler(writers: 4, queue: h.database, clock: h.clock)
        var logger = Logger(label: "compute-permits-test")
        logger.logLevel = .critical
        let signal = WakeSignal()
        let settings = WorkerPool.Settings(
            concurrency: 1, pollEvery: 3600, taskTimeout: 60, retryBase: 30, retryCap: 100, shutdownGrace: 0.2,
            policy: QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease), writeAhead: 4)
        #expect(settings.loops == 4)
        let pool = WorkerPool(queue: h.database, handler: handler, signal: signal, clock: h.clock, settings: settings, logger: logger)
        let stopping = StopFlag()
        let running = Task { await pool.runLoops(stopping) }
        try await h.enqueue()
        signal.notify(4)
        #expect(await handler.waitUntilAllWriting(seconds: 30), "4 writes waited at once; at most \(handler.peakWriting)")
        #expect(handler.peakComputing == 1, "WORKER_CONCURRENCY=1: one job computed at a time")
        stopping.stop()
        signal.notify(4)
        await running.value
        #expect(try await h.jobs().map(\.status) == Array(repeating: "DONE", count: 4))
    }
}

/// A handler with a compute phase (counted) and a write phase that waits until `writers` jobs are in theirs at once
/// (or a bound passes), as finishing writes wait together for one group commit.
private final class TwoPhaseHandler: JobHandler {
    private let writers: Int
    private let queue: any JobQueue
    private let clock: any AppClock
    private let state = Mutex((computing: 0, peakComputing: 0, writing: 0, peakWriting: 0))

    init(writers: Int, queue: any JobQueue, clock: any AppClock) {
        self.writers = writers
        self.queue = queue
        self.clock = clock
    }

    var peakComputing: Int { state.withLock { $0.peakComputing } }
    var peakWriting: Int { state.withLock { $0.peakWriting } }

    func run(_ job: ClaimedJob, claimNext: QueuePolicy?) async -> (outcome: JobOutcome, next: ClaimedJob?) {
        state.withLock { s in
            s.computing += 1
            s.peakComputing = max(s.peakComputing, s.computing)
        }
        try? await Task.sleep(for: .milliseconds(2))
        state.withLock { s in
            s.computing -= 1
            s.writing += 1
            s.peakWriting = max(s.peakWriting, s.writing)
        }
        _ = WorkerSlot.computed()
        let deadline = ContinuousClock.now + .seconds(30)
        while peakWriting < writers && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        _ = try? await queue.completeJob(job, now: clock.now())
        state.withLock { $0.writing -= 1 }
        return (.done, nil)
    }

    func waitUntilAllWriting(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while peakWriting < writers && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return peakWriting >= writers
    }
}
