import Domain
import Logging
import Storage
import Synchronization
import TestSupport
import Testing
import Worker

/// An idle pool polls once per `WORKER_POLL_EVERY`, not once per loop: one tick wakes one waiting loop, and a loop that
/// finds a job after a wait wakes the next, so a backlog no wake-up announced is still taken up by every loop.
@Suite struct PollTickTests {
    @Test func aTickWakesExactlyOneWaitingLoopAndLeavesNoPermitWhenNoneWaits() async throws {
        let signal = WakeSignal()
        #expect(signal.wakeOneWaiting() == false, "nobody waits")
        let woken = LockedBox(0)
        let waiters = (0..<3).map { _ in
            Task {
                await signal.wait(timeout: nil)
                woken.mutate { $0 += 1 }
            }
        }
        // The bound only ends a failing test.
        #expect(try await eventually(every: 0.01) { signal.waitingCount == 3 }, "a tick before any wait left a permit")
        #expect(signal.wakeOneWaiting())
        #expect(try await eventually(every: 0.01) { woken.value == 1 })
        #expect(signal.waitingCount == 2, "one tick, one loop")
        signal.notify(2)
        for waiter in waiters { await waiter.value }
        #expect(woken.value == 3)
    }

    @Test func oneTickOverABacklogNobodyAnnouncedSetsEveryLoopWorking() async throws {
        // Jobs enqueued straight into the store, as another process or node would: this pool's signal hears nothing.
        let h = try await WorkerHarness(personas: 4)
        let gate = InFlightGate(until: 4, queue: h.database, clock: h.clock)
        var logger = Logger(label: "poll-tick-test")
        logger.logLevel = .critical
        let signal = WakeSignal()
        let pool = WorkerPool(
            queue: h.database, handler: gate, signal: signal, clock: h.clock,
            settings: .init(
                concurrency: 4, pollEvery: 3600, taskTimeout: 60, retryBase: 30, retryCap: 100, shutdownGrace: 0.2,
                policy: QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease)),
            logger: logger)
        let stopping = StopFlag()
        let running = Task { await pool.runLoops(stopping) }
        #expect(try await eventually(every: 0.01) { signal.waitingCount == 4 }, "every loop idle on an empty queue")
        try await h.enqueue()
        // One tick (pollEvery is an hour, so this is the only one): each loop that finds a job wakes the next.
        #expect(signal.wakeOneWaiting())
        let allRunning = await gate.waitUntilReached(seconds: 30)
        #expect(allRunning, "4 jobs held by 4 loops at once after one tick; in flight: \(gate.peak)")
        stopping.stop()
        signal.notify(4)
        await running.value
        #expect(try await h.jobs().map(\.status) == Array(repeating: "DONE", count: 4))
    }
}

/// A handler whose jobs all wait until `until` of them are running at once (or a bound passes), then finish.
private final class InFlightGate: JobHandler {
    private let until: Int
    private let queue: any JobQueue
    private let clock: any AppClock
    private let state = Mutex((inFlight: 0, peak: 0))

    init(until: Int, queue: any JobQueue, clock: any AppClock) {
        self.until = until
        self.queue = queue
        self.clock = clock
    }

    var peak: Int { state.withLock { $0.peak } }

    func run(_ job: ClaimedJob, claimNext: QueuePolicy?) async -> (outcome: JobOutcome, next: ClaimedJob?) {
        state.withLock { s in
            s.inFlight += 1
            s.peak = max(s.peak, s.inFlight)
        }
        // Hold the job until every loop has one (the bound only ends a failing test).
        let deadline = ContinuousClock.now + .seconds(30)
        while peak < until && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        state.withLock { $0.inFlight -= 1 }
        _ = try? await queue.completeJob(job, now: clock.now())
        return (.done, nil)
    }

    /// Whether `until` jobs ran at once within `seconds`.
    func waitUntilReached(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while peak < until && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return peak >= until
    }
}
