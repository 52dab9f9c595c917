import Foundation

/// Hands items from a producer thread (SQLite's synchronous cursor) to an async consumer (PostgreSQL's COPY), with at
/// most `capacity` items in flight: the producer blocks while they wait, so memory stays bounded whatever the table's
/// size. The consumer can stop the producer (when the target fails), which then returns from its next `send`.
final class ChunkHandoff<Element: Sendable>: @unchecked Sendable {
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var stopped = false
    let stream: AsyncThrowingStream<Element, any Error>
    private let continuation: AsyncThrowingStream<Element, any Error>.Continuation

    init(capacity: Int) {
        slots = DispatchSemaphore(value: max(1, capacity))
        (stream, continuation) = AsyncThrowingStream.makeStream(of: Element.self)
    }

    /// Producer: waits for a free slot, then passes `element` on; false once the consumer has stopped.
    func send(_ element: Element) -> Bool {
        slots.wait()
        guard !isStopped else {
            slots.signal()
            return false
        }
        continuation.yield(element)
        return true
    }

    /// Producer: no more items (`error` when it failed).
    func finish(_ error: (any Error)?) { continuation.finish(throwing: error) }

    /// Consumer: one item was taken, its slot is free.
    func taken() { slots.signal() }

    /// Consumer: take no more; a producer waiting in `send` wakes and stops.
    func stop() {
        lock.withLock { stopped = true }
        slots.signal()
    }

    private var isStopped: Bool { lock.withLock { stopped } }
}

/// The producer's stream of a snapshot: the row count of every table first, then each table's rows in chunks and its
/// end with the source's count and checksum.
enum MoveItem: Sendable {
    case plan([Int])
    case rows(table: Int, bytes: [UInt8], count: Int)
    case end(table: Int, rows: Int, checksum: String, autoincrement: Int64?)
}

/// The consumer stopped the producer.
struct MoveStopped: Error {}
