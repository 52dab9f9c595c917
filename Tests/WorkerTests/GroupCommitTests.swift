import Domain
import Foundation
import Storage
import TestSupport
import Testing
import Worker

/// Finishing writes handed over together (SQLite commits them in one batch): the queue's fencing and leases behave
/// as they do one job at a time. (`GroupCommit` itself is tested in SQLiteStorageTests.)
@Suite struct GroupCommitTests {
    @Test func aLeaseThatExpiresWhileItsFinishWaitsInABatchHasExactlyOneOwner() async throws {
        let h = try await WorkerHarness()
        try await h.enqueue()
        let policy = QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease)
        let stale = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        h.clock.advance(seconds: WorkerHarness.lease + 1)
        // The stale finisher and a loop re-claiming the expired lease are handed over at the same moment.
        async let finished = h.database.completeJob(stale, now: h.clock.now())
        async let reclaimed = h.database.claimJob(policy: policy, now: h.clock.now())
        let (done, again) = (try await finished, try await reclaimed)
        #expect(done != (again != nil), "either the old claim finished first or the new claim owns the job, never both")
        if let again {
            #expect(again.attempts == stale.attempts + 1)
            #expect(try await h.database.completeJob(stale, now: h.clock.now()) == false, "the stale finisher stays fenced")
            #expect(try await h.database.completeJob(again, now: h.clock.now()))
        }
        #expect(try await h.jobs().map(\.status) == ["DONE"])
    }

    @Test func aStaleReplyFinisherWritesNothingEvenInsideTheSameBatchAsTheLiveOne() async throws {
        let h = try await WorkerHarness()
        try await h.enqueue()
        let policy = QueuePolicy(maxAttempts: WorkerHarness.maxAttempts, leaseSeconds: WorkerHarness.lease)
        let stale = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        h.clock.advance(seconds: WorkerHarness.lease + 1)
        let live = try #require(try await h.database.claimJob(policy: policy, now: h.clock.now()))
        #expect(live.id == stale.id)
        let post = try #require(try await h.database.post(id: stale.postID))
        async let staleWrite = h.database.completeReplyJob(stale, content: "stale", post: post, quota: 100, now: h.clock.now())
        async let liveWrite = h.database.completeReplyJob(live, content: "live", post: post, quota: 100, now: h.clock.now())
        #expect(try await staleWrite == .lostClaim)
        #expect(try await liveWrite == .written)
        let replies = try await h.sql.strings("SELECT content FROM replies")
        #expect(replies == ["live"])
        let quota = try await h.sql.int("SELECT COUNT(*) FROM quota_events")
        #expect(quota == 1, "the stale finisher charged no quota")
    }
}
