import Domain

/// Analytics events and what is computed from them.
public protocol EventStore: Sendable {
    /// Writes many events in one transaction.
    func recordEvents(_ events: [EventRecord]) async throws
    /// Event counts by name since `since24h` and since `since7d`, in one read.
    func eventCounts(since24h: Timestamp, since7d: Timestamp) async throws -> EventCounts
}
