import Foundation
import Logging
import TestSupport
import Testing

@testable import PostgresStorage

/// The wait for a pooled connection: bounded by `DB_QUERY_TIMEOUT`, ended at once by cancellation, in arrival order,
/// and never costing a connection or leaving a waiter behind. The pool has one connection, held by an operation the
/// test releases when it chooses, so "the pool is exhausted" is a fact of the test, not of the machine's speed.
@Suite(.timeLimit(.minutes(5))) struct PostgresLeaseTests {
    /// Holds the store's only connection from when `init` returns until `release` is called.
    final class Holder: Sendable {
        /// The holder's own wait for the connection is bounded by the store's query timeout (half a second in these
        /// tests), which a loaded machine can pass while the pool opens its connection; it then tries again, so the
        /// test starts only once the connection is held, however long that takes, and never waits for a holder that
        /// gave up.
        struct NeverHeld: Error {}

        private let releaseSignal: AsyncStream<Void>.Continuation
        let task: Task<Void, any Error>

        init(_ store: PostgresStore) async throws {
            var attempts = 0
            while true {
                attempts += 1
                let (holding, holdingSignal) = AsyncStream.makeStream(of: Void.self)
                let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
                let task = Task {
                    // Ends the wait below when the connection was never held (the lease timed out).
                    defer { holdingSignal.finish() }
                    try await store.quick { _ in
                        holdingSignal.yield()
                        for await _ in release { break }
                    }
                }
                var held = false
                for await _ in holding {
                    held = true
                    break
                }
                if held {
                    self.releaseSignal = releaseSignal
                    self.task = task
                    return
                }
                do {
                    try await task.value
                } catch DatabaseUnavailable.timedOut where attempts < 60 {
                    continue
                }
                throw NeverHeld()
            }
        }

        func release() async throws {
            releaseSignal.yield()
            try await task.value
        }
    }

    static func failure(_ operation: () async throws -> Void) async -> (any Error)? {
        do {
            try await operation()
            return nil
        } catch {
            return error
        }
    }

    @Test func aWaitForAnExhaustedPoolEndsWithTheTimeoutAtItsBoundAndThePoolServesAfterwards() async throws {
        try await PostgresCluster.shared().withStore(poolSize: 1, queryTimeout: 0.5) { store, _ in
            let holder = try await Holder(store)
            let began = ContinuousClock.now
            let error = await Self.failure { _ = try await store.quick { db in try await db.value("SELECT 1", as: Int.self) } }
            let waited = ContinuousClock.now - began
            guard case DatabaseUnavailable.timedOut(let bound)? = error else {
                Issue.record("expected the lease timeout, got \(String(describing: error))")
                return
            }
            #expect(bound == 0.5)
            // The only connection was held throughout, so the wait cannot end before the bound; the upper limit only
            // catches a wait that does not end (a loaded machine may wake the timer late, hence the margin).
            #expect(waited >= .milliseconds(500))
            #expect(waited < .seconds(30))
            #expect(store.gate.waiting == 0)
            try await holder.release()
            let one = try await store.quick { db in try await db.value("SELECT 1", as: Int.self) }
            #expect(one == 1)
        }
    }

    /// Without a timeout (`DB_QUERY_TIMEOUT=0`) only the cancellation can end the wait, so the test ending at all
    /// proves it did.
    @Test func cancellingAWaitEndsItAtOnceWithoutTakingTheConnection() async throws {
        try await PostgresCluster.shared().withStore(poolSize: 1, queryTimeout: 0) { store, _ in
            let holder = try await Holder(store)
            let ran = LockedBox(false)
            let waiter = Task {
                try await store.quick { _ in ran.mutate { $0 = true } }
            }
            #expect(try await eventually { store.gate.waiting == 1 })
            waiter.cancel()
            let error = await Self.failure { try await waiter.value }
            #expect(error is CancellationError)
            #expect(!ran.value)
            #expect(store.gate.waiting == 0)
            try await holder.release()
            let one = try await store.quick { db in try await db.value("SELECT 1", as: Int.self) }
            #expect(one == 1)
        }
    }

    @Test func aFreedConnectionGoesToTheLongestWaiter() async throws {
        try await PostgresCluster.shared().withStore(poolSize: 1, queryTimeout: 0) { store, _ in
            let holder = try await Holder(store)
            let order = LockedBox<[String]>([])
            let first = Task { try await store.quick { _ in order.mutate { $0.append("first") } } }
            #expect(try await eventually { store.gate.waiting == 1 })
            let second = Task { try await store.quick { _ in order.mutate { $0.append("second") } } }
            #expect(try await eventually { store.gate.waiting == 2 })
            try await holder.release()
            try await first.value
            try await second.value
            #expect(order.value == ["first", "second"])
        }
    }

    /// The pool cannot open a connection (nothing listens on the socket): the wait ends at the bound, not when the
    /// pool gives up.
    @Test func aServerThatCannotBeReachedFailsTheWaitAtItsBound() async throws {
        let settings = PostgresSettings(
            endpoint: .socket(path: NSTemporaryDirectory() + "pw-no-server-\(UUID().uuidString.prefix(8))/.s.PGSQL.5432"),
            username: "nobody", password: nil, database: "none", tls: .disable, poolSize: 1, queryTimeout: 0.5)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = PostgresStore(settings: settings, logger: logger)
        store.start()
        let began = ContinuousClock.now
        let error = await Self.failure { _ = try await store.quick { db in try await db.value("SELECT 1", as: Int.self) } }
        let waited = ContinuousClock.now - began
        try await store.close()
        guard case DatabaseUnavailable.timedOut? = error else {
            Issue.record("expected the lease timeout, got \(String(describing: error))")
            return
        }
        #expect(waited >= .milliseconds(500))
        #expect(waited < .seconds(30))
        #expect(store.gate.waiting == 0)
    }
}

/// The gate on its own: slots, arrival order, deadlines and cancellation, without a database.
@Suite(.timeLimit(.minutes(1))) struct LeaseGateTests {
    struct TimedOut: Error {}

    @Test func aTimedOutWaitTakesNoSlot() async throws {
        let gate = LeaseGate(capacity: 1)
        try await gate.enter(until: nil) { TimedOut() }
        await #expect(throws: TimedOut.self) { try await gate.enter(until: .now) { TimedOut() } }
        #expect(gate.waiting == 0)
        gate.leave()
        // The slot is free again: entering does not wait (a deadline in the past would fail a wait).
        try await gate.enter(until: .now) { TimedOut() }
        gate.leave()
    }

    @Test func slotsGoToWaitersInArrivalOrderAndNoneIsLost() async throws {
        let gate = LeaseGate(capacity: 2)
        try await gate.enter(until: nil) { TimedOut() }
        try await gate.enter(until: nil) { TimedOut() }
        let order = LockedBox<[Int]>([])
        var waiters: [Task<Void, any Error>] = []
        for n in 0..<3 {
            waiters.append(
                Task {
                    try await gate.enter(until: nil) { TimedOut() }
                    order.mutate { $0.append(n) }
                })
            #expect(try await eventually { gate.waiting == n + 1 })
        }
        gate.leave()
        try await waiters[0].value
        gate.leave()
        try await waiters[1].value
        #expect(order.value == [0, 1])
        #expect(gate.waiting == 1)
        waiters[2].cancel()
        await #expect(throws: CancellationError.self) { try await waiters[2].value }
        #expect(gate.waiting == 0)
        // Two holders (the first two waiters) remain; giving both slots back leaves two free.
        gate.leave()
        gate.leave()
        try await gate.enter(until: .now) { TimedOut() }
        try await gate.enter(until: .now) { TimedOut() }
    }
}
