import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing

@testable import SQLiteStorage

/// SQLite's group commit of the queue's writes: writes handed over together share one transaction, each stays
/// atomic on its own, and a failed commit fails every write of its batch.
@Suite struct SQLiteGroupCommitTests {
    @Test func concurrentWritesShareTransactionsAndAFailingOneRollsBackOnlyItself() async throws {
        let dir = TestDirectory()
        let queue = try DatabaseQueue(path: dir.databasePath)
        try await queue.write { try $0.execute(sql: "CREATE TABLE t(n INTEGER PRIMARY KEY)") }
        let transactions = Atomic<Int>(0)
        let handedOver = LockedBox(0)
        let commit = GroupCommit(maxBatch: 16) { work in
            // The first commit waits until every writer has handed its write over, so the others queue behind it
            // however a loaded machine schedules them (the deadline only bounds a hang).
            if transactions.add(1, ordering: .relaxed).newValue == 1 { _ = try await eventually { handedOver.value == 200 } }
            try await queue.write { db in try work(db) }
        }
        struct Refused: Error {}
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<200 {
                group.addTask {
                    handedOver.mutate { $0 += 1 }
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
}
