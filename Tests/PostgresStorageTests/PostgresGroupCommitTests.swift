import Domain
import Foundation
import Storage
import TestSupport
import Testing

@testable import PostgresStorage

/// The queue's group commit on PostgreSQL: a batch runs without savepoints, and only a batch in which a write throws is
/// rolled back and run again with each write in its own savepoint, so that write fails alone and the others commit.
/// With two lanes (as the store runs it), a second batch is written while the first is open, and a reply's quota is
/// checked against what the first commits.
@Suite(.timeLimit(.minutes(5))) struct PostgresGroupCommitTests {
    struct Refused: Error, Equatable {}

    @Test func aWriteThatThrowsFailsAloneAndTheOthersOfItsBatchCommitOnce() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            try await store.write { db in _ = try await db.execute("CREATE TABLE group_probe (id integer PRIMARY KEY)") }
            let commit = PostgresGroupCommit { body in try await store.write { try await body($0) } }
            @Sendable func insert(_ id: Int, throwing: Bool = false) async throws -> Int {
                try await commit.run { db in
                    _ = try await db.execute("INSERT INTO group_probe (id) VALUES (\(id))")
                    if throwing { throw Refused() }
                    return id
                }
            }
            // The first write holds its batch until the next three are queued, so those three make one batch.
            let holding = LockedBox(false)
            let first = Task {
                try await commit.run { db in
                    _ = try await db.execute("INSERT INTO group_probe (id) VALUES (0)")
                    holding.mutate { $0 = true }
                    let queued = try await eventually(every: 0.005) { commit.queuedCount == 3 }
                    return queued ? 0 : -1
                }
            }
            try #require(try await eventually(every: 0.005) { holding.value })
            let before = Task { try await insert(1) }
            try #require(try await eventually(every: 0.005) { commit.queuedCount == 1 })
            let failing = Task { try await insert(2, throwing: true) }
            try #require(try await eventually(every: 0.005) { commit.queuedCount == 2 })
            let after = Task { try await insert(3) }
            #expect(try await first.value == 0, "the three writes were queued behind the first batch")
            #expect(try await before.value == 1)
            await #expect(throws: Refused.self) { try await failing.value }
            #expect(try await after.value == 3)
            let ids = try await store.quick { db in try await db.column("SELECT id FROM group_probe ORDER BY id", as: Int.self) }
            #expect(ids == [0, 1, 3], "the refused write's row was rolled back, its neighbours' committed")
        }
    }

    @Test func aLoneWriteThatThrowsLeavesNothingAndTheNextWriteCommits() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            try await store.write { db in _ = try await db.execute("CREATE TABLE group_probe (id integer PRIMARY KEY)") }
            let commit = PostgresGroupCommit { body in try await store.write { try await body($0) } }
            await #expect(throws: Refused.self) {
                try await commit.run { db -> Int in
                    _ = try await db.execute("INSERT INTO group_probe (id) VALUES (1)")
                    throw Refused()
                }
            }
            #expect(try await commit.run { db in try await db.execute("INSERT INTO group_probe (id) VALUES (2)") } == 1)
            let ids = try await store.quick { db in try await db.column("SELECT id FROM group_probe ORDER BY id", as: Int.self) }
            #expect(ids == [2])
        }
    }
    @Test func withTwoLanesASecondBatchCommitsWhileTheFirstIsStillOpen() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            try await store.write { db in _ = try await db.execute("CREATE TABLE group_probe (id integer PRIMARY KEY)") }
            let commit = PostgresGroupCommit(lanes: 2) { body in try await store.write { try await body($0) } }
            @Sendable func committed() async throws -> [Int] {
                try await store.quick { db in try await db.column("SELECT id FROM group_probe ORDER BY id", as: Int.self) }
            }
            let open = LockedBox(false)
            let first = Task {
                try await commit.run { db in
                    _ = try await db.execute("INSERT INTO group_probe (id) VALUES (1)")
                    open.mutate { $0 = true }
                    // Held open until another transaction committed row 2: only a second lane can have done that.
                    return try await eventually(every: 0.005) { try await committed() == [2] }
                }
            }
            try #require(try await eventually(every: 0.005) { open.value })
            #expect(try await commit.run { db in try await db.execute("INSERT INTO group_probe (id) VALUES (2)") } == 1)
            #expect(try await first.value, "row 2 committed while the first batch was open")
            #expect(try await committed() == [1, 2])
        }
    }

    /// A persona with one reply left today: the first lane's batch uses it and is still open when the second lane's
    /// batch finishes a reply job of the same persona. The second waits for the first's commit on the persona's quota
    /// counter row, then finds the quota used up: its reply is refused and its job stays as it was.
    @Test func withTwoLanesASecondBatchChecksAReplyQuotaAgainstWhatTheFirstCommits() async throws {
        try await PostgresCluster.shared().withStore(queryTimeout: 0) { store, _ in
            let now = Timestamp(microseconds: 1_800_000_000_123_456)
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 1, replyQuota: 1, now: now)
            _ = try await store.enqueueReplies(
                postID: load.posts[0], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: now)
            let job = try #require(try await store.claimJobs(limit: 1, policy: QueuePolicy(maxAttempts: 5, leaseSeconds: 60), now: now).first)
            let post = try #require(try await store.post(id: load.posts[0]))
            let persona = try #require(UUID(uuidString: load.personas[0]))
            let commit = PostgresGroupCommit(lanes: 2) { body in try await store.write { try await body($0) } }
            let open = LockedBox(false)
            let first = Task {
                try await commit.run { db in
                    _ = try await db.execute(
                        """
                        INSERT INTO quota_counters(persona_id, quota_type, day, used)
                        VALUES (\(persona), 'reply', \(SQLDate(DailyQuota.dayKey(now))), 1)
                        """)
                    open.mutate { $0 = true }
                    try await store.waitForALockWaiter()
                    return true
                }
            }
            try #require(try await eventually(every: 0.005) { open.value })
            let second = Task {
                try await commit.finish(
                    QueueFinish(job: job, write: .reply(content: "late", post: post, quota: 1), now: now, claimNext: nil, reap: false))
            }
            #expect(try await first.value, "the second lane's batch waited on the first's quota counter")
            await #expect(throws: QuotaRollback.self) { try await second.value }
            #expect(try await store.quotaUsage(personaID: load.personas[0], kind: .reply, now: now) == 1)
            let rows = try await store.quick { db in
                try await db.column(
                    "SELECT (SELECT count(*) FROM replies)::text || ' ' || (SELECT status::text FROM jobs)", as: String.self)
            }
            #expect(rows == ["0 PROCESSING"], "no reply, and the refused reply's DONE was rolled back with it")
        }
    }
}
