import Storage
import TestSupport
import Testing

/// `BatchWriter`, the group commit under the queue's writes on both engines: with one lane a write handed over during
/// a batch waits for that batch; with two lanes (PostgreSQL's queue) it is written beside it once as many writes wait as
/// the batch in flight holds, and no more batches than lanes are ever in flight. Each batch here is held open until the
/// test lets it go, so every interleaving is chosen by the test, never by timing.
@Suite(.timeLimit(.minutes(2))) struct BatchWriterLanesTests {
    /// A flush whose batches stay open until the test releases them, by number; it records each batch's items.
    final class HeldFlush: Sendable {
        let batches = LockedBox<[[Int]]>([])
        let released = LockedBox<Set<Int>>([])
        let inFlight = LockedBox(0)
        let mostInFlight = LockedBox(0)

        /// A batch the test never released: it fails (every write of it throws) instead of committing after all.
        struct NeverReleased: Error {}

        /// Batch number `n` (from 0, in the order batches started) commits once `release(n)` was called.
        func flush(_ items: [Int]) async throws -> [Result<Int, any Error>] {
            var number = 0
            batches.mutate {
                number = $0.count
                $0.append(items)
            }
            inFlight.mutate { $0 += 1 }
            let now = inFlight.value
            mostInFlight.mutate { $0 = max($0, now) }
            let released = try await eventually(every: 0.002) { self.released.value.contains(number) }
            inFlight.mutate { $0 -= 1 }
            guard released else { throw NeverReleased() }
            return items.map { .success($0) }
        }

        func release(_ batch: Int) { released.mutate { _ = $0.insert(batch) } }
    }

    static func writer(lanes: Int, _ held: HeldFlush) -> BatchWriter<Int, Int> {
        BatchWriter(maxBatch: 64, lanes: lanes) { try await held.flush($0) }
    }

    /// Two lanes, writes 1 and 2 handed over one after the other: each in a batch of its own, both batches open.
    static func twoBatchesOpen() async throws -> (
        held: HeldFlush, writer: BatchWriter<Int, Int>, first: Task<Int, any Error>, second: Task<Int, any Error>
    ) {
        let held = HeldFlush()
        let writer = Self.writer(lanes: 2, held)
        let first = Task { try await writer.submit(1) }
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 1 })
        let second = Task { try await writer.submit(2) }
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 2 })
        return (held, writer, first, second)
    }

    @Test func withOneLaneAWriteHandedOverDuringABatchWaitsForThatBatchToCommit() async throws {
        let held = HeldFlush()
        let writer = Self.writer(lanes: 1, held)
        let first = Task { try await writer.submit(1) }
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 1 })
        let second = Task { try await writer.submit(2) }
        try #require(try await eventually(every: 0.002) { writer.queuedCount == 1 })
        #expect(held.batches.value == [[1]], "the second write is queued, not in a batch of its own")
        held.release(0)
        #expect(try await first.value == 1)
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 2 })
        held.release(1)
        #expect(try await second.value == 2)
        #expect(held.batches.value == [[1], [2]])
        #expect(held.mostInFlight.value == 1)
    }

    @Test func withTwoLanesAWriteHandedOverDuringABatchCommitsBeforeThatBatchEnds() async throws {
        let (held, _, first, second) = try await Self.twoBatchesOpen()
        #expect(held.inFlight.value == 2, "both batches are open at once")
        held.release(1)
        #expect(try await second.value == 2, "the second write was answered while the first batch is still open")
        #expect(held.inFlight.value == 1)
        held.release(0)
        #expect(try await first.value == 1)
        #expect(held.batches.value == [[1], [2]])
    }

    @Test func withTwoLanesBusyAThirdWriteWaitsAndTheFirstFreeLaneTakesEverythingQueued() async throws {
        let (held, writer, first, second) = try await Self.twoBatchesOpen()
        let third = Task { try await writer.submit(3) }
        try #require(try await eventually(every: 0.002) { writer.queuedCount == 1 })
        let fourth = Task { try await writer.submit(4) }
        try #require(try await eventually(every: 0.002) { writer.queuedCount == 2 })
        #expect(held.batches.value.count == 2, "no third batch while both lanes are busy")
        held.release(0)
        #expect(try await first.value == 1)
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 3 })
        #expect(held.batches.value[2] == [3, 4], "the freed lane took both queued writes, in the order handed over")
        held.release(1)
        held.release(2)
        #expect(try await second.value == 2)
        #expect(try await third.value == 3)
        #expect(try await fourth.value == 4)
        #expect(held.mostInFlight.value == 2)
    }

    /// Beside a batch in flight, a free lane waits until as many writes are queued as that batch holds: taking each
    /// write as it came split the queue's loops into a big group and a small one cycling in batches of a few writes.
    @Test func besideABatchInFlightALaneTakesTheQueueOnlyOnceAsManyWritesWaitAsThatBatchHolds() async throws {
        let (held, writer, first, second) = try await Self.twoBatchesOpen()
        let waiting = (3...5).map { value in Task { try await writer.submit(value) } }
        try #require(try await eventually(every: 0.002) { writer.queuedCount == 3 })
        held.release(0)
        #expect(try await first.value == 1)
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 3 })
        #expect(Set(held.batches.value[2]) == [3, 4, 5], "beside the one-write batch, the freed lane took the three queued")
        let sixth = Task { try await writer.submit(6) }
        try #require(try await eventually(every: 0.002) { writer.queuedCount == 1 })
        #expect(writer.activeLanes == 2, "both lanes are still writing")
        held.release(1)
        #expect(try await second.value == 2)
        // The lane that wrote [2] finishes beside the three writes in flight with one queued: it leaves it and goes idle.
        try #require(try await eventually(every: 0.002) { writer.activeLanes == 1 })
        #expect(writer.queuedCount == 1)
        #expect(held.batches.value.count == 3)
        let seventh = Task { try await writer.submit(7) }
        try #require(try await eventually(every: 0.002) { writer.queuedCount == 2 })
        let eighth = Task { try await writer.submit(8) }
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 4 })
        #expect(Set(held.batches.value[3]) == [6, 7, 8], "the third queued write started a lane, which took all three")
        held.release(2)
        held.release(3)
        for (task, value) in zip(waiting + [sixth, seventh, eighth], 3...8) { #expect(try await task.value == value) }
        #expect(held.mostInFlight.value == 2)
    }

    /// With nothing else in flight, a single write is written at once: the rule never holds a write back for company.
    @Test func withNoBatchInFlightASingleWriteIsWrittenAtOnce() async throws {
        let held = HeldFlush()
        let writer = Self.writer(lanes: 2, held)
        let only = Task { try await writer.submit(1) }
        try #require(try await eventually(every: 0.002) { held.batches.value.count == 1 })
        #expect(held.batches.value == [[1]])
        held.release(0)
        #expect(try await only.value == 1)
        try #require(try await eventually(every: 0.002) { writer.activeLanes == 0 })
    }

    @Test func waitUntilIdleWaitsForEveryLane() async throws {
        let (held, writer, first, second) = try await Self.twoBatchesOpen()
        let idle = LockedBox(false)
        let waiting = Task {
            await writer.waitUntilIdle()
            idle.mutate { $0 = true }
        }
        held.release(0)
        #expect(try await first.value == 1)
        // The first lane has gone idle; the second is still writing, so the writer is not idle. (Its caller hears only
        // after the release below, and `idle` is read before it.)
        #expect(held.inFlight.value == 1)
        #expect(idle.value == false)
        held.release(1)
        #expect(try await second.value == 2)
        await waiting.value
        #expect(idle.value)
    }
}
