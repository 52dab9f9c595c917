import Domain
import Foundation
import Storage
import TestSupport
import Testing

@testable import PostgresStorage

/// The guarantees that used to rest on SQLite's single writer, checked against PostgreSQL with real concurrent
/// transactions (each task leases its own pooled connection; the interleavings are the server's, and every assertion
/// holds for any of them).
@Suite struct PostgresRaceTests {
    static let now = Timestamp(microseconds: 1_800_000_000_123_456)
    static let policy = QueuePolicy(maxAttempts: 5, leaseSeconds: 60)

    @Test func parallelQuotaConsumersNeverExceedTheQuota() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 1, replyQuota: 25, now: Self.now)
            let persona = load.personas[0]
            let room = try #require(try await store.rooms().first).id
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        do {
                            _ = try await store.recordPreview(
                                personaID: persona, roomID: room, userID: load.user, quota: DailyQuota(.preview, limit: 5), now: Self.now)
                            return true
                        } catch DomainError.quotaReached(.preview) {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 5)
            #expect(try await store.quotaUsage(personaID: persona, kind: .preview, now: Self.now) == 5)
        }
    }

    @Test func concurrentClaimersNeverTakeTheSameJobAndTakeThemAll() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 3, posts: 10, replyQuota: 1000, now: Self.now)
            for post in load.posts {
                let result = try await store.enqueueReplies(
                    postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
                #expect(result.enqueued == 3)
            }
            let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await store.claimJobs(limit: 3, policy: Self.policy, now: Self.now.adding(seconds: 1))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: [Int64]()) { $0 += $1 }
            }
            #expect(claimed.count == 30)
            #expect(Set(claimed).count == 30, "no job was claimed twice")
            #expect(try await store.queueDepth(maxAttempts: 5)["generate_reply"] == 30, "claimed jobs are still active")
        }
    }

    @Test func aStaleFinisherIsFencedAfterItsLeaseWasTakenOver() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 1, replyQuota: 10, now: Self.now)
            _ = try await store.enqueueReplies(
                postID: load.posts[0], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            let first = try #require(try await store.claimJob(policy: Self.policy, now: Self.now))
            // The lease expires; another worker takes the job over (one more attempt, a new stamp).
            let later = Self.now.adding(seconds: 61)
            let second = try #require(try await store.claimJob(policy: Self.policy, now: later))
            #expect(second.id == first.id && second.attempts == first.attempts + 1 && second.lockedAt != first.lockedAt)
            let post = try #require(try await store.post(id: load.posts[0]))
            #expect(try await store.completeReplyJob(first, content: "stale", post: post, quota: 10, now: later) == .lostClaim)
            #expect(try await store.completeJob(first, now: later) == false)
            #expect(try await store.completeReplyJob(second, content: "fresh", post: post, quota: 10, now: later) == .written)
            let thread = try #require(try await store.thread(postID: load.posts[0]))
            #expect(thread.replies.map(\.content) == ["fresh"])
            #expect(try await store.quotaUsage(personaID: load.personas[0], kind: .reply, now: later) == 1)
        }
    }

    @Test func aReplyOverTheQuotaWritesNothingAndLeavesTheJobClaimed() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 2, replyQuota: 10, now: Self.now)
            for post in load.posts {
                _ = try await store.enqueueReplies(
                    postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
            }
            let jobs = try await store.claimJobs(limit: 2, policy: Self.policy, now: Self.now)
            #expect(jobs.count == 2)
            let posts = try await jobs.asyncMap { try #require(try await store.post(id: $0.postID)) }
            // Quota 1: both writes race in one group commit or two; exactly one is written, the other rolls back alone.
            async let a = store.completeReplyJob(jobs[0], content: "a", post: posts[0], quota: 1, now: Self.now)
            async let b = store.completeReplyJob(jobs[1], content: "b", post: posts[1], quota: 1, now: Self.now)
            let outcomes = try await [a, b]
            #expect(outcomes.filter { $0 == .written }.count == 1 && outcomes.filter { $0 == .quotaReached }.count == 1)
            #expect(try await store.quotaUsage(personaID: load.personas[0], kind: .reply, now: Self.now) == 1)
            #expect(try await store.queueDepth(maxAttempts: 5)["generate_reply"] == 1, "the rolled-back job is still PROCESSING")
        }
    }

    @Test func concurrentEnqueuesOfOnePairMakeOneActiveJob() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 1, replyQuota: 100, now: Self.now)
            let results = try await withThrowingTaskGroup(of: EnqueueResult.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await store.enqueueReplies(
                            postID: load.posts[0], personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 5,
                            now: Self.now)
                    }
                }
                return try await group.reduce(into: [EnqueueResult]()) { $0.append($1) }
            }
            #expect(results.map(\.enqueued).reduce(0, +) == 1)
            #expect(try await store.pendingReplyJobs(postID: load.posts[0], maxAttempts: 5) == 1)
        }
    }

    /// Six personas, each with a reply written today: activity today, so every persona's daily digest is due.
    static func personasDueForADigest(_ store: PostgresStore) async throws -> SyntheticLoad {
        let load = try await store.seedSyntheticLoad(personas: 6, posts: 6, replyQuota: 100, now: Self.now)
        for (post, persona) in zip(load.posts, load.personas) {
            _ = try await store.enqueueReplies(
                postID: post, personaIDs: [persona], userID: load.user, payloadExtra: [:], maxAttempts: 5, now: Self.now)
        }
        while let job = try await store.claimJob(policy: Self.policy, now: Self.now) {
            let post = try #require(try await store.post(id: job.postID))
            #expect(try await store.completeReplyJob(job, content: "r", post: post, quota: 100, now: Self.now) == .written)
        }
        return load
    }

    @Test func twoDigestSchedulersSplitTheDueLeases() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await Self.personasDueForADigest(store)
            let later = Self.now.adding(seconds: 5)
            async let a = store.claimDailyDigests(now: later, holder: "node-a", lease: 60, limit: 10)
            async let b = store.claimDailyDigests(now: later, holder: "node-b", lease: 60, limit: 10)
            let (first, second) = try await (a, b)
            let ids = first.map(\.persona.id) + second.map(\.persona.id)
            #expect(ids.count == 6 && Set(ids).count == 6, "each persona is claimed by exactly one holder")
            let work = try #require((first + second).first)
            let holder = first.contains { $0.persona.id == work.persona.id } ? "node-a" : "node-b"
            let other = holder == "node-a" ? "node-b" : "node-a"
            #expect(
                try await store.finishDailyDigest(
                    personaID: work.persona.id, date: work.date, summary: "s", stats: "{}", holder: other, snapshotAt: later, now: later)
                    == .lostLease)
            #expect(
                try await store.finishDailyDigest(
                    personaID: work.persona.id, date: work.date, summary: "s", stats: #"{"posts":0}"#, holder: holder, snapshotAt: later,
                    now: later) == .written)
        }
    }

    /// Two schedulers' claims never wait for each other in a cycle: a pass takes its leases in subject id order, not in
    /// its due order (which moves as digests are written). Here the due order is the reverse of the id order, and
    /// another transaction holds the first id's lease: the pass waits for it holding no other lease.
    @Test func aDigestPassTakesItsLeasesInIdOrder() async throws {
        struct ProbeDone: Error {}
        try await PostgresCluster.shared().withStore(queryTimeout: 0) { store, _ in
            let load = try await Self.personasDueForADigest(store)
            let ids = load.personas.compactMap(UUID.init(uuidString:)).sorted(by: StoreID.precedes)
            // Oldest first is due first: the highest id the oldest.
            _ = try await store.quick { db in
                try await db.execute(
                    "UPDATE personas SET created_at = \(Self.now) - (array_position(\(ids), id) * interval '1 minute')")
            }
            let later = Self.now.adding(seconds: 5)
            let period = SQLDate(later.dateString)
            let lock = await PostgresEnqueueBurstTests.RowLock(
                store,
                holding: """
                    INSERT INTO digest_leases(kind, subject_id, period, holder, expires_at)
                    VALUES (\(DigestKind.daily.rawValue), \(ids[0]), \(period), 'another-node', \(later.adding(seconds: 60)))
                    """, events: LockedBox([]))
            let pass = Task { try await store.claimDailyDigests(now: later, holder: "node-a", lease: 60, limit: 10) }
            try await store.waitForALockWaiter()
            var held: [UUID] = []
            for id in ids.dropFirst() {
                do {
                    try await store.write { db in
                        try await db.execute("SET LOCAL lock_timeout = '200ms'")
                        try await db.execute(
                            """
                            INSERT INTO digest_leases(kind, subject_id, period, holder, expires_at)
                            VALUES (\(DigestKind.daily.rawValue), \(id), \(period), 'probe', \(later)) ON CONFLICT DO NOTHING
                            """)
                        throw ProbeDone()
                    }
                } catch is ProbeDone {
                } catch {
                    held.append(id)
                }
            }
            try await lock.release()
            let work = try await pass.value
            #expect(held.isEmpty, "the pass held \(held.count) later leases while it waited for the first")
            #expect(Set(work.map(\.persona.id)) == Set(ids.dropFirst().map { $0.uuidString.lowercased() }))
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
