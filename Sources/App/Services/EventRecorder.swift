import Domain
import Logging
import ServiceLifecycle
import Storage
import Synchronization

/// Records analytics events that have no transaction of their own (views, remix intents) without making
/// the request wait on a write: events queue in memory and one writer commits each batch in a single
/// transaction (group commit). Callers that must know an event is durable await the commit of its batch.
/// A failure to record never changes a response: it is logged, and the batch's waiters see the error.
final class EventRecorder: Service, Sendable {
    private struct Pending {
        let event: EventRecord
        let waiter: CheckedContinuation<Void, any Error>?
    }

    private struct State {
        var pending: [Pending] = []
        var wake: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    private let store: any EventStore
    private let actors: EventActorKey
    private let clock: any AppClock
    private let logger: Logger
    private let state = Mutex(State())
    /// A burst larger than this is split into several transactions.
    private let maxBatch = 512
    /// While writes are stalled, fire-and-forget events beyond this many are dropped (and logged) rather than
    /// growing memory without bound; events a request waits for are always queued.
    private let maxPending = 100_000

    init(store: any EventStore, actors: EventActorKey, clock: any AppClock, logger: Logger) {
        self.store = store
        self.actors = actors
        self.clock = clock
        self.logger = logger
    }

    /// Queues an event; returns at once.
    func record(_ viewer: Viewer, name: String, metadata: [String: String]) {
        let actor = actors.actor(userID: viewer.userID, clientIP: viewer.clientIP)
        enqueue(Pending(event: .init(userID: viewer.userID, actor: actor, name: name, metadata: metadata, createdAt: clock.now()), waiter: nil))
    }

    /// The actor key of an event by `viewer`.
    func actor(of viewer: Viewer) -> String { actors.actor(userID: viewer.userID, clientIP: viewer.clientIP) }

    /// Queues an event and returns once the batch holding it has committed.
    func recordDurably(_ event: EventRecord) async throws {
        try await withCheckedThrowingContinuation { continuation in enqueue(Pending(event: event, waiter: continuation)) }
    }

    private func enqueue(_ item: Pending) {
        let (wake, dropped): (CheckedContinuation<Void, Never>?, Bool) = state.withLock { s in
            if item.waiter == nil && s.pending.count >= maxPending { return (nil, true) }
            s.pending.append(item)
            defer { s.wake = nil }
            return (s.wake, false)
        }
        if dropped { logger.warning("event_dropped", metadata: ["name": .string(item.event.name), "reason": "queue full"]) }
        wake?.resume()
    }

    func run() async throws {
        // Cancellation (another service of the group failed, e.g. its port was taken) stops the writer like a graceful
        // shutdown does; otherwise its wait would never end and the process could not exit.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                while let batch = await nextBatch() { await commit(batch) }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
    }

    /// Lets the writer drain what is queued and return.
    private func stop() {
        let wake: CheckedContinuation<Void, Never>? = state.withLock { s in
            s.stopped = true
            defer { s.wake = nil }
            return s.wake
        }
        wake?.resume()
    }

    /// Waits until events are pending, then takes up to a batch; nil once stopped with nothing left.
    private func nextBatch() async -> [Pending]? {
        while true {
            let taken: [Pending]?? = state.withLock { s in
                if s.pending.isEmpty { return s.stopped ? .some(nil) : nil }
                let batch = Array(s.pending.prefix(maxBatch))
                s.pending.removeFirst(batch.count)
                return .some(batch)
            }
            if let taken { return taken }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { s -> Bool in
                    if !s.pending.isEmpty || s.stopped { return true }
                    s.wake = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    private func commit(_ batch: [Pending]) async {
        do {
            try await store.recordEvents(batch.map(\.event))
            for item in batch { item.waiter?.resume() }
        } catch {
            logger.warning("events_write_failed", metadata: ["count": .stringConvertible(batch.count), "detail": .string(String(describing: error))])
            for item in batch { item.waiter?.resume(throwing: error) }
        }
    }
}
