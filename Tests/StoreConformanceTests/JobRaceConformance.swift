import Domain
import Storage
import TestSupport
import Testing

/// The job queue under many concurrent workers: every job claimed once, and a lease taken over while its old holder
/// finishes has exactly one owner.
@Suite struct JobRaceConformance {
    /// `personas × posts` pending reply jobs of one user; returns how many.
    static func jobs(_ f: StoreFixture, personas: Int, posts: Int) async throws -> Int {
        let load = try await f.store.seedSyntheticLoad(personas: personas, posts: posts, replyQuota: 1000, now: f.now)
        var total = 0
        for post in load.posts {
            total +=
                try await f.store.enqueueReplies(
                    postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 3, now: f.now
                ).enqueued
        }
        return total
    }

    /// Race: 16 claimers taking batches of at most 3 from 200 jobs claim every job exactly once.
    @Test(arguments: StoreBackend.available)
    func concurrentClaimersTakeEveryJobExactlyOnce(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        #expect(try await Self.jobs(f, personas: 10, posts: 20) == 200)
        let outcomes = await concurrently(16) { _ in
            var mine: [ClaimedJob] = []
            while true {
                let batch = try await f.claim(3)
                #expect(batch.count <= 3)
                if batch.isEmpty { return mine }
                mine += batch
            }
        }
        let claimed = try outcomes.flatMap { try $0.get() }
        #expect(claimed.count == 200)
        #expect(Set(claimed.map(\.id)).count == 200, "a job was claimed twice")
        #expect(claimed.allSatisfy { $0.attempts == 0 })
        #expect(try await f.depth() == 200, "all still held")
        #expect(try await f.claim(10).isEmpty)
    }

    /// Race: after the leases of 30 claimed jobs expire, each old holder finishes while as many new claimers take
    /// expired leases one at a time (tasks interleaved, so both orders happen): each job is either finished by its
    /// old holder or owned by exactly one new claim, never both.
    @Test(arguments: StoreBackend.available)
    func staleFinishersAndReclaimersAgreeOnEveryJobsOwner(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        #expect(try await Self.jobs(f, personas: 3, posts: 10) == 30)
        let stale = try await f.claim(30)
        #expect(stale.count == 30)
        f.advance(StoreFixture.policy.leaseSeconds + 1)
        let finished = LockedBox<Set<Int64>>([])
        let reclaimed = LockedBox<[ClaimedJob]>([])
        let outcomes = await concurrently(2 * stale.count) { n in
            if n.isMultiple(of: 2) {
                let old = stale[n / 2]
                if try await f.store.completeJob(old, now: f.now) { finished.mutate { _ = $0.insert(old.id) } }
            } else {
                let batch = try await f.claim(1)
                reclaimed.mutate { $0 += batch }
            }
        }
        #expect(outcomes.compactMap(\.error).isEmpty, "\(outcomes.compactMap(\.error))")
        let taken = reclaimed.value
        #expect(Set(taken.map(\.id)).count == taken.count, "an expired lease was taken twice")
        #expect(Set(taken.map(\.id)).isDisjoint(with: finished.value), "a job both finished by its old holder and re-claimed")
        #expect(finished.value.count + taken.count == 30)
        #expect(taken.allSatisfy { $0.attempts == 1 })
        for job in taken {
            let old = try #require(stale.first { $0.id == job.id })
            #expect(try await f.store.completeJob(old, now: f.now) == false, "the old holder stays fenced")
            #expect(try await f.store.completeJob(job, now: f.now))
        }
        #expect(try await f.depth() == 0)
    }
}
