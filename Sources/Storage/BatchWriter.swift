import Domain
import Synchronization

/// Group commit: many small writes handed to one writer, which commits every write queued meanwhile together and
/// then reports to each caller. The queue's finishing writes (each in its own savepoint of one transaction) and the
/// analytics events (one multi-row transaction) both use it.
///
/// Why it keeps every write's guarantee: a caller hears about its write only after the transaction holding it
/// committed (or failed), items are taken into batches in the order they were handed over and run in that order
/// within their batch, and a batch is at most `maxBatch` items so no caller waits behind an unbounded queue. A batch's
/// writer never inherits a caller's request deadline: it serves many callers, so each statement is bounded by the
/// store's own query timeout alone.
///
/// With `lanes` above 1, up to that many batches are written at once, each taking what is queued when it starts: a
/// write handed over while a batch is in flight need not wait for that batch's commit. Two batches in flight may then
/// commit in either order, so only an engine whose writes are safe to run side by side (PostgreSQL: row locks, and the
/// queue's writes fenced and taking shared rows in one order) asks for more than one; SQLite has a single writer.
///
/// Beside a batch in flight, another lane takes the queue only once it holds as many writes as the batches in flight
/// (`mayTake`); a lane with nothing else in flight always takes it. Why: a free lane that took whatever was queued the
/// moment it arrived split the queue's worker loops into a big group and a small one that kept cycling on its own,
/// every batch's fixed cost (its statements, round trips and commit) paid for a few writes: in a `pg-e2e` run half the
/// batches held 1-7 jobs beside batches of 45-56. Waiting for as many as are in flight makes the lanes take turns with
/// halves of the loops, and a write never waits longer than the batch in flight.
public final class BatchWriter<Item: Sendable, Output: Sendable>: Sendable {
    /// Commits a batch: one outcome per item, in order; a thrown error fails every item of the batch (nothing of it
    /// was committed).
    public typealias Flush = @Sendable ([Item]) async throws -> [Result<Output, any Error>]

    private struct Waiting: Sendable {
        let item: Item
        let finish: (@Sendable (Result<Output, any Error>) -> Void)?
    }

    private struct State {
        var queue: [Waiting] = []
        var drainers = 0
        /// Writes in the batches being written.
        var writing = 0
        var idle: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let maxBatch: Int
    private let maxDetached: Int
    private let lanes: Int
    private let flush: Flush

    /// - Parameters:
    ///   - maxBatch: the largest batch, long enough to amortise a transaction and short enough that no caller waits long.
    ///   - maxDetached: while writes are stalled, fire-and-forget items beyond this many queued are refused (and the
    ///     caller told so) rather than growing memory without bound; items a caller waits for are always queued.
    ///   - lanes: how many batches may be written at once (at least 1).
    public init(maxBatch: Int, maxDetached: Int = 100_000, lanes: Int = 1, flush: @escaping Flush) {
        self.maxBatch = max(1, maxBatch)
        self.maxDetached = maxDetached
        self.lanes = max(1, lanes)
        self.flush = flush
    }

    /// Writes `item` in the next batch and returns its outcome once that batch committed.
    public func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Output, any Error>) in
            enqueue(Waiting(item: item, finish: { continuation.resume(with: $0) }))
        }
    }

    /// Queues `item` without waiting for it; false when it was refused because too many are queued.
    @discardableResult
    public func submitDetached(_ item: Item) -> Bool {
        enqueue(Waiting(item: item, finish: nil))
    }

    /// Items queued and not yet taken into a batch (tests: to know a batch will hold them together).
    public var queuedCount: Int { state.withLock { $0.queue.count } }

    /// Lanes started and not yet gone idle (tests).
    public var activeLanes: Int { state.withLock { $0.drainers } }

    /// Whether a lane may take what is queued as its next batch: always when no batch is being written, beside one only
    /// once the queue holds as many writes as the batches in flight.
    private static func mayTake(_ s: State) -> Bool { !s.queue.isEmpty && (s.writing == 0 || s.queue.count >= s.writing) }

    /// Returns once nothing is queued or being written (graceful shutdown drains before the store closes).
    public func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.queue.isEmpty && s.drainers == 0 { return true }
                s.idle.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    @discardableResult
    private func enqueue(_ waiting: Waiting) -> Bool {
        let (accepted, startDrain) = state.withLock { s -> (Bool, Bool) in
            if waiting.finish == nil, s.queue.count >= maxDetached { return (false, false) }
            s.queue.append(waiting)
            guard s.drainers < lanes, Self.mayTake(s) else { return (true, false) }
            s.drainers += 1
            return (true, true)
        }
        if startDrain { Task { await RequestDeadline.$nanos.withValue(0) { await self.drain() } } }
        return accepted
    }

    /// One lane: commits batches until the queue is empty, or leaves a short one to a bigger batch in flight (`mayTake`).
    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Waiting] in
                guard Self.mayTake(s) else {
                    // Left for the lane in flight, which takes it when it is done, or for a lane started once enough wait.
                    s.drainers -= 1
                    return []
                }
                let taken = Array(s.queue.prefix(maxBatch))
                s.queue.removeFirst(taken.count)
                s.writing += taken.count
                return taken
            }
            guard !batch.isEmpty else { break }
            let outcomes: [Result<Output, any Error>]
            do {
                outcomes = try await flush(batch.map(\.item))
            } catch {
                outcomes = batch.map { _ in .failure(error) }
            }
            // No longer in flight before the callers hear: a lane deciding what to take next sees this batch gone.
            state.withLock { $0.writing -= batch.count }
            for (waiting, outcome) in zip(batch, outcomes) { waiting.finish?(outcome) }
        }
        let idle = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard s.queue.isEmpty, s.drainers == 0 else { return [] }
            defer { s.idle.removeAll() }
            return s.idle
        }
        for continuation in idle { continuation.resume() }
    }
}
