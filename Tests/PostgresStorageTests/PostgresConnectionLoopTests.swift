import TestSupport
import Testing

@testable import PostgresStorage

/// A transaction written with `onConnectionLoop` (the group commit's batches, the enqueues) runs on its connection's
/// event loop from its first statement to its last, so no answer waits in the cooperative pool's queue; other
/// transactions stay on the pool.
@Suite(.timeLimit(.minutes(5))) struct PostgresConnectionLoopTests {
    @Test func aTransactionOnItsConnectionsLoopStaysThereBetweenItsStatements() async throws {
        try await PostgresCluster.shared().withStore { store, _ in
            let onLoop = try await store.write(onConnectionLoop: true) { db -> [Bool] in
                var seen = [db.raw.eventLoop.inEventLoop]
                for _ in 0..<3 {
                    _ = try await db.value("SELECT 1", as: Int.self)
                    seen.append(db.raw.eventLoop.inEventLoop)
                }
                return seen
            }
            let onPool = try await store.write { db -> [Bool] in
                _ = try await db.value("SELECT 1", as: Int.self)
                return [db.raw.eventLoop.inEventLoop]
            }
            #expect(onLoop == [true, true, true, true])
            #expect(onPool == [false])
        }
    }
}
