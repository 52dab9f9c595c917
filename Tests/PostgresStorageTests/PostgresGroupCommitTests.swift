import Foundation
import TestSupport
import Testing

@testable import PostgresStorage

/// The queue's group commit on PostgreSQL: a batch runs without savepoints, and only a batch in which a write throws is
/// rolled back and run again with each write in its own savepoint, so that write fails alone and the others commit.
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
}
