import Domain
import Foundation
import PostgresNIO
import Storage
import TestSupport
import Testing

@testable import PostgresStorage

/// A burst of enqueues for one persona: an enqueue that cannot take a job (the pair already has one, the quota is
/// full) answers from what is committed, without waiting for the persona's row, which is what every enqueue that
/// can take a job locks until it commits.
@Suite(.timeLimit(.minutes(5))) struct PostgresEnqueueBurstTests {
    static let now = Timestamp(microseconds: 1_800_000_000_123_456)

    /// Holds a lock on the persona's row in a transaction of its own until `release()` (or, so that a regression fails
    /// instead of hanging, until 20 s have passed), and records "released" in `events` once that transaction ended.
    final class RowLock: Sendable {
        private let releaseSignal: AsyncStream<Void>.Continuation
        private let fallback: Task<Void, Never>
        let task: Task<Void, any Error>

        convenience init(_ store: PostgresStore, persona: UUID, events: LockedBox<[String]>) async {
            await self.init(store, holding: "SELECT id FROM personas WHERE id = \(persona) FOR UPDATE", events: events)
        }

        /// Holds the row locks `query` takes until `release()`.
        init(_ store: PostgresStore, holding query: PostgresQuery, events: LockedBox<[String]>) async {
            let (held, heldSignal) = AsyncStream.makeStream(of: Void.self)
            let (release, releaseSignal) = AsyncStream.makeStream(of: Void.self)
            self.releaseSignal = releaseSignal
            task = Task {
                try await store.write { db in
                    try await db.execute(query)
                    heldSignal.yield()
                    for await _ in release { break }
                }
                events.mutate { $0.append("released") }
            }
            for await _ in held { break }
            fallback = Task {
                try? await Task.sleep(for: .seconds(20))
                releaseSignal.yield()
            }
        }

        func release() async throws {
            fallback.cancel()
            releaseSignal.yield()
            try await task.value
        }
    }

    @Test(arguments: ["the pair already has a job", "the quota is full"])
    func anEnqueueThatCannotTakeAJobAnswersWithoutWaitingForThePersonasRow(_ reason: String) async throws {
        try await PostgresCluster.shared().withStore(queryTimeout: 0) { store, _ in
            let quota = reason == "the quota is full" ? 1 : 10
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 2, replyQuota: quota, now: Self.now)
            let persona = try #require(load.personas.first.flatMap(UUID.init(uuidString:)))
            let first = try await store.enqueueReplies(
                postID: load.posts[0], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            #expect(first.enqueued == 1)
            let events = LockedBox<[String]>([])
            let lock = await RowLock(store, persona: persona, events: events)
            let post = reason == "the quota is full" ? load.posts[1] : load.posts[0]
            let again = try await store.enqueueReplies(
                postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            events.mutate { $0.append("answered") }
            try await lock.release()
            #expect(again.enqueued == 0 && again.skipped == 1)
            #expect(events.value == ["answered", "released"], "\(reason): the enqueue waited for the persona's row")
        }
    }

    /// The other side: when the persona can take the job, the enqueue waits for the row (its first, non-waiting attempt
    /// found it held and let go of what it had locked), then counts under the lock and enqueues.
    @Test func anEnqueueThatCanTakeAJobWaitsForTheHeldRowThenEnqueues() async throws {
        try await PostgresCluster.shared().withStore(queryTimeout: 0) { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 2, posts: 1, replyQuota: 10, now: Self.now)
            let held = try #require(load.personas.first.flatMap(UUID.init(uuidString:)))
            let events = LockedBox<[String]>([])
            let lock = await RowLock(store, persona: held, events: events)
            let enqueueing = Task {
                let result = try await store.enqueueReplies(
                    postID: load.posts[0], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
                events.mutate { $0.append("answered") }
                return result
            }
            // Deterministic order without a timer: the enqueue is waiting once PostgreSQL shows a backend waiting on a lock.
            try await store.waitForALockWaiter()
            try await lock.release()
            let result = try await enqueueing.value
            #expect(result.enqueued == 2 && result.skipped == 0)
            #expect(events.value == ["released", "answered"])
        }
    }
}

extension PostgresStore {
    /// Returns once a backend of this store's database waits on a lock (`pg_stat_activity`, polled); records an issue
    /// after 20 s. What a test waits on to know a statement is blocked, instead of sleeping for a guessed time.
    func waitForALockWaiter() async throws {
        for _ in 0..<2000 {
            let waiting = try await read { db in
                try await db.column(
                    "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                    as: Int.self)
            }
            if (waiting.first ?? 0) > 0 { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("no statement waited on a lock within 20 s")
    }
}
