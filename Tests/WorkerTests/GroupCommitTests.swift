import Domain
import Foundation
import GRDB
import Storage
import Synchronization
import TestSupport
import Testing
import Worker

@testable import SQLiteStorage

/// The queue's group commit: writes handed over together share one transaction, each stays atomic on
/// its own, and the queue's fencing and leases behave as they do one job at a time.
@Suite struct GroupCommitTests {
    @Test func concurrentWritesShareTransactionsAndAFailingOneRollsBackOnlyItself() async throws {
        let dir = TestDirectory()
        let queue = try DatabaseQueue(path: dir.databasePath)
        try await queue.write { try $0.execute(sql: "CREATE TABLE t(n INTEGER PRIMARY KEY)") }
        let transactions = Atomic<Int>(0)
        let commit = GroupCommit(maxBatch: 16) { work in
            transactions.add(1, ordering: .relaxed)
            try await queue.write { db in try work(db) }
        }
        struct Refused: Error {}
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<200 {
                group.addTask {
                    do {
                        try await commit.run { db in
                            try db.execute(sql: "INSERT INTO t(n) VALUES (?)", arguments: [n])
                            if n % 7 == 0 { throw Refused() }
                        }
                        return (n, true)
                    } catch { return (n, false) }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        let stored = Set(try await queue.read { try Int.fetchAll($0, sql: "SELECT n FROM t") })
        #expect(stored == Set((0..<200).filter { $0 % 7 != 0 }), "exactly the writes that did not throw are stored")
        #expect(outcomes.filter(\.value).count == stored.count, "each caller learns its own outcome")
        #expect(transactions.load(ordering: .relaxed) < 200, "writes handed over together share a transaction")
        #expect(transactions.load(ordering: .relaxed) >= 200 / 16, "no batch is larger than maxBatch")
    }

    @Test func aFailedCommitFailsEveryWriteOfTheBatchAndStoresNone() async throws {
        let dir = TestDirectory()
        let queue = try DatabaseQueue(path: dir.databasePath)
        try await queue.write { try $0.execute(sql: "CREATE TABLE t(n INTEGER PRIMARY KEY)") }
        struct CommitFailed: Error {}
        let commit = GroupCommit(maxBatch: 64) { work in
            try await queue.write { db in
                try work(db)
                throw CommitFailed() // the transaction rolls back after every write of the batch ran
            }
        }
        let failures = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<20 {
                group.addTask { (try? await commit.run { db in try db.execute(sql: "INSERT INTO t(n) VALUES (?)", arguments: [n]) }) == nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 20)
        #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 0)
    }

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
        let replies = try await h.database.read { try String.fetchAll($0, sql: "SELECT content FROM replies") }
        #expect(replies == ["live"])
        let quota = try await h.database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM quota_events") }
        #expect(quota == 1, "the stale finisher charged no quota")
    }
}
