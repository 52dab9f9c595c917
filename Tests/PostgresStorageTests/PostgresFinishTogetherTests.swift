import Domain
import Foundation
import Storage
import TestSupport
import Testing

@testable import PostgresStorage

/// A group-committed batch's finishing writes run together, set-based (`finishTogether`, one statement for every DONE
/// and reply): each finish's outcome and rows are the ones it gets run alone, and a batch the set-based pass cannot
/// decide exactly (a persona's quota overflowing) is run again one finish at a time.
@Suite(.timeLimit(.minutes(5))) struct PostgresFinishTogetherTests {
    static let now = Timestamp(microseconds: 1_800_000_000_123_456)
    static let policy = QueuePolicy(maxAttempts: 5, leaseSeconds: 60)

    /// `personas` personas with `quota` replies a day, one post, a reply job per persona, all claimed.
    static func claimed(_ store: PostgresStore, personas: Int, quota: Int) async throws -> (jobs: [ClaimedJob], post: Post) {
        let load = try await store.seedSyntheticLoad(personas: personas, posts: 1, replyQuota: quota, now: now)
        let enqueued = try await store.enqueueReplies(
            postID: load.posts[0], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: now)
        #expect(enqueued.enqueued == personas)
        let jobs = try await store.claimJobs(limit: personas, policy: policy, now: now)
        #expect(jobs.count == personas)
        return (jobs, try #require(try await store.post(id: load.posts[0])))
    }

    @Test func aBatchOfFinishesGivesEachTheOutcomeItGetsAlone() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let (jobs, post) = try await Self.claimed(store, personas: 5, quota: 100)
            // Job 1's persona already has a reply on the post (written meanwhile): its reply is `alreadyExisted`.
            try await store.quick { db in
                try await db.execute(
                    """
                    INSERT INTO replies(id, post_id, persona_id, user_id, authored_by, content, created_at, updated_at)
                    VALUES (gen_random_uuid(), \(UUID(uuidString: post.id)!), \(UUID(uuidString: jobs[1].personaID)!), NULL, 'AI', 'first',
                      \(Self.now), \(Self.now))
                    """)
            }
            // Job 2's claim is stale (another stamp): lost. Job 3 fails, job 4 is a DONE alone.
            let stale = ClaimedJob(
                id: jobs[2].id, type: jobs[2].type, postID: jobs[2].postID, personaID: jobs[2].personaID, payload: jobs[2].payload,
                attempts: jobs[2].attempts, lockedAt: String(Self.now.microseconds - 1))
            let later = Self.now.adding(seconds: 1)
            let finishes = [
                QueueFinish(job: jobs[0], write: .reply(content: "zero", post: post, quota: 100), now: later, claimNext: nil, reap: false),
                QueueFinish(job: jobs[1], write: .reply(content: "again", post: post, quota: 100), now: later, claimNext: nil, reap: false),
                QueueFinish(job: stale, write: .reply(content: "stale", post: post, quota: 100), now: later, claimNext: nil, reap: false),
                QueueFinish(
                    job: jobs[3], write: .fail(attempts: 1, error: "boom", availableAt: later.adding(seconds: 30)), now: later,
                    claimNext: nil, reap: false),
                QueueFinish(job: jobs[4], write: .done, now: later, claimNext: nil, reap: false),
            ]
            let outcomes = try await store.write { db in try await PostgresStore.finishTogether(db, finishes) }
            #expect(outcomes.map(\.reply) == [.written, .alreadyExisted, .lostClaim, nil, nil])
            #expect(outcomes.map(\.done) == [false, false, false, false, true])
            let rows = try await store.quick { db in
                try await db.rows("SELECT id, status::text, attempts FROM jobs ORDER BY id").map { try $0.decode((Int64, String, Int).self) }
            }
            #expect(rows.map(\.1) == ["DONE", "DONE", "PROCESSING", "FAILED", "DONE"], "job 2's row is untouched: its stamp was not the claim's")
            let replies = try await store.thread(postID: post.id)?.replies.map(\.content) ?? []
            #expect(Set(replies) == ["first", "zero"])
            #expect(try await store.quotaUsage(personaID: jobs[0].personaID, kind: .reply, now: later) == 1)
            let activity = try await store.quick { db in
                try await db.column(
                    "SELECT type FROM persona_activity_events WHERE persona_id = \(UUID(uuidString: jobs[0].personaID)!) ORDER BY id", as: String.self
                )
            }
            #expect(activity == ["reply_generated", "thread_participated"])
        }
    }

    @Test func repliesOverflowingAQuotaInOneBatchAreDecidedOneByOne() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            // One persona, two posts: two jobs of the same persona. They were enqueued under a quota of 2, which was then
            // lowered to 1 (the finish carries the quota the claim read): one reply of quota for both.
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 2, replyQuota: 2, now: Self.now)
            for post in load.posts {
                _ = try await store.enqueueReplies(
                    postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            }
            let jobs = try await store.claimJobs(limit: 2, policy: Self.policy, now: Self.now)
            try #require(jobs.count == 2)
            var posts: [Post] = []
            for job in jobs { posts.append(try #require(try await store.post(id: job.postID))) }
            let finishes = zip(jobs, posts).map { job, post in
                QueueFinish(job: job, write: .reply(content: "r\(job.id)", post: post, quota: 1), now: Self.now, claimNext: nil, reap: false)
            }
            await #expect(throws: QueueFinishNeedsIsolation.self) {
                try await store.write { db in _ = try await PostgresStore.finishTogether(db, finishes) }
            }
            // Through the group commit, both in one batch: the first is written, the second is past the quota.
            let commit = PostgresGroupCommit { body in try await store.write { try await body($0) } }
            let holding = LockedBox(false)
            let first = Task {
                try await commit.run { db in
                    holding.mutate { $0 = true }
                    return try await eventually(every: 0.005) { commit.queuedCount == 2 }
                }
            }
            try #require(try await eventually(every: 0.005) { holding.value })
            let a = Task { try await commit.finish(finishes[0]) }
            try #require(try await eventually(every: 0.005) { commit.queuedCount == 1 })
            let b = Task { try await commit.finish(finishes[1]) }
            #expect(try await first.value, "both finishes were queued behind the first batch")
            #expect(try await a.value.reply == .written)
            await #expect(throws: QuotaRollback.self) { try await b.value }
            #expect(try await store.quotaUsage(personaID: load.personas[0], kind: .reply, now: Self.now) == 1)
            let statuses = try await store.quick { db in
                try await db.column("SELECT status::text FROM jobs ORDER BY id", as: String.self)
            }
            #expect(statuses == ["DONE", "PROCESSING"], "the refused reply's DONE was rolled back with it")
        }
    }

    @Test func chainedClaimsOfABatchAreHandedOutInOrderWithTheirContexts() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 2, posts: 2, replyQuota: 100, now: Self.now)
            for post in load.posts {
                _ = try await store.enqueueReplies(
                    postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            }
            let jobs = try await store.claimJobs(limit: 2, policy: Self.policy, now: Self.now)
            try #require(jobs.count == 2)
            let post = try #require(try await store.post(id: jobs[0].postID))
            let finishes = jobs.map {
                QueueFinish(job: $0, write: .reply(content: "x", post: post, quota: 100), now: Self.now, claimNext: Self.policy, reap: false)
            }
            let outcomes = try await store.write { db in try await PostgresStore.finishTogether(db, finishes) }
            #expect(outcomes.map(\.reply) == [.written, .written])
            let next = outcomes.compactMap(\.next)
            #expect(next.count == 2)
            #expect(next.map(\.id) == next.map(\.id).sorted(), "the oldest chained job goes to the first finish")
            #expect(Set(next.map(\.id)).isDisjoint(with: jobs.map(\.id)))
            for job in next {
                guard case .ready(let context)? = job.prefetched else {
                    Issue.record("job \(job.id) came without its context")
                    continue
                }
                #expect(context.persona.id == job.personaID)
                #expect(context.post?.id == job.postID)
                #expect(context.dailyReplyQuota == 100)
                // The claim ran before the batch's quota use was written, and the batch's own reply is counted.
                #expect(context.repliesToday == 1, "the batch's reply of persona \(job.personaID) counts in its next job's day")
            }
            for persona in load.personas {
                #expect(try await store.quotaUsage(personaID: persona, kind: .reply, now: Self.now) == 1)
            }
        }
    }

    /// Two nodes' batches for the same personas must never wait for each other in a cycle, so a batch takes its
    /// personas' quota counter rows in (persona, day) order: waiting for the first persona's row, it holds none of the
    /// others. In the grouping's own order, two `serve --worker-only` nodes deadlocked dozens of times in one benchmark
    /// run. And it takes them last (`AddReplyQuotaUse`), so another node's batch waits for them the shortest time.
    @Test func aBatchTakesItsPersonasQuotaCountersInPersonaOrder() async throws {
        try await Self.expectCountersTakenInPersonaOrder { store, finishes in
            try await store.write { db in try await PostgresStore.finishTogether(db, finishes) }.map(\.reply)
        }
    }

    /// The second pass (each finish alone, in a savepoint) after a batch the set-based pass could not decide.
    @Test func theOneByOnePassTakesItsRepliesQuotaCountersInPersonaOrder() async throws {
        try await Self.expectCountersTakenInPersonaOrder { store, finishes in
            let results = try await store.write { db in try await PostgresGroupCommit.runIsolated(finishes.map { .finish($0) }, db) }
            return try results.map { try ($0.get() as? QueueFinishOutcome)?.reply }
        }
    }

    /// Twenty claimed reply jobs, handed to `finish` last persona first, while another transaction holds the first
    /// persona's quota counter row: `finish` must wait for that row before it takes any other persona's (the order
    /// `AddReplyQuotaUse` takes them in, so two nodes' batches never each hold a row the other waits for), then write
    /// every reply and count each once.
    static func expectCountersTakenInPersonaOrder(
        _ finish: @escaping @Sendable (PostgresStore, [QueueFinish]) async throws -> [ReplyWrite?]
    ) async throws {
        try await PostgresCluster.shared().withStore(queryTimeout: 0) { store, _ in
            let (jobs, post) = try await Self.claimed(store, personas: 20, quota: 100)
            let later = Self.now.adding(seconds: 1)
            try await store.quick { db in
                try await db.execute(
                    "INSERT INTO quota_counters(persona_id, quota_type, day, used) SELECT id, 'reply', \(SQLDate(DailyQuota.dayKey(later))), 0 FROM personas"
                )
            }
            let personas = jobs.compactMap { UUID(uuidString: $0.personaID) }.sorted(by: StoreID.precedes)
            let first = try #require(personas.first)
            let lock = await PostgresEnqueueBurstTests.RowLock(
                store, holding: "SELECT 1 FROM quota_counters WHERE persona_id = \(first) FOR UPDATE", events: LockedBox([]))
            let finishes = jobs.sorted { $0.personaID.uppercased() > $1.personaID.uppercased() }.map { job in
                QueueFinish(job: job, write: .reply(content: "reply", post: post, quota: 100), now: later, claimNext: nil, reap: false)
            }
            let finishing = Task { try await finish(store, finishes) }
            try await store.waitForALockWaiter()
            let waiting = try await store.quick { db in
                try await db.column(
                    "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", as: String.self)
            }
            #expect(waiting.count == 1 && waiting.allSatisfy { $0.contains("INSERT INTO quota_counters") && !$0.contains("UPDATE jobs") })
            let others = Array(personas.dropFirst())
            var heldByTheBatch: (any Error)?
            do {
                _ = try await store.quick { db in
                    try await db.column(
                        "SELECT persona_id FROM quota_counters WHERE persona_id = ANY(\(others)) FOR UPDATE NOWAIT", as: UUID.self)
                }
            } catch {
                heldByTheBatch = error
            }
            try await lock.release()
            let outcomes = try await finishing.value
            #expect(heldByTheBatch == nil, "the batch held a later persona's counter while it waited for the first one's")
            #expect(outcomes == Array(repeating: .written, count: 20))
            let used = try await store.quick { db in
                try await db.column("SELECT used FROM quota_counters ORDER BY persona_id", as: Int.self)
            }
            #expect(used == Array(repeating: 1, count: 20))
        }
    }
}
