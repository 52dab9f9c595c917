import Domain
import Logging
import ServiceLifecycle
import Storage

/// Records analytics events that have no transaction of their own (views, remix intents, client events) without
/// making the request wait on a write: events go to the shared `BatchWriter`, which commits each batch in a single
/// transaction (group commit). Callers that must know an event is durable await the commit of its batch. A failure
/// to record never changes a response: it is logged, and the batch's waiters see the error.
final class EventRecorder: Service, Sendable {
    private let writer: BatchWriter<EventRecord, Void>
    private let actors: EventActorKey
    private let clock: any AppClock
    private let logger: Logger

    /// - Parameters: A burst larger than 512 events is split into several transactions; while writes are stalled,
    ///   fire-and-forget events beyond 100,000 queued are dropped (and logged) rather than growing memory without bound.
    init(store: any EventStore, actors: EventActorKey, clock: any AppClock, logger: Logger) {
        self.actors = actors
        self.clock = clock
        self.logger = logger
        writer = BatchWriter(maxBatch: 512, maxDetached: 100_000) { batch in
            do {
                try await store.recordEvents(batch)
                return batch.map { _ in .success(()) }
            } catch {
                logger.warning("events_write_failed", metadata: ["count": .stringConvertible(batch.count), "detail": .string("\(error)")])
                throw error
            }
        }
    }

    /// Queues an event; returns at once.
    func record(_ viewer: Viewer, name: String, metadata: [String: String]) {
        let event = EventRecord(userID: viewer.userID, actor: actor(of: viewer), name: name, metadata: metadata, createdAt: clock.now())
        if !writer.submitDetached(event) { logger.warning("event_dropped", metadata: ["name": .string(name), "reason": "queue full"]) }
    }

    /// The actor key of an event by `viewer`.
    func actor(of viewer: Viewer) -> String { actors.actor(userID: viewer.userID, clientIP: viewer.clientIP) }

    /// Queues an event and returns once the batch holding it has committed.
    func recordDurably(_ event: EventRecord) async throws {
        try await writer.submit(event)
    }

    /// Runs until graceful shutdown (or cancellation, when another service of the group failed), then lets what is
    /// queued be written before the store closes.
    func run() async throws {
        try? await gracefulShutdown()
        await writer.waitUntilIdle()
    }
}
