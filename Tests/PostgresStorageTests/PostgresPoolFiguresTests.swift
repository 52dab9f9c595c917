import Foundation
import Logging
import Storage
import TestSupport
import Testing

@testable import PostgresStorage

/// The pool's figures for `/metrics`: leased connections, waiting calls, lease waits and lease timeouts, on a pool of
/// one connection held by the test, so each figure moves at a step the test controls.
@Suite struct PostgresPoolFiguresTests {
    @Test func aHeldConnectionIsInUseAQueuedCallIsWaitingAndABoundedWaitTimesOut() async throws {
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.freshDatabase()
        let leases = LockedBox<[Double]>([])
        let timeouts = LockedBox(0)
        let observer = ConnectionPoolObserver(leased: { waited in leases.mutate { $0.append(waited) } }, timedOut: { timeouts.mutate { $0 += 1 } })
        let store = PostgresStore(settings: cluster.settings(database: name, poolSize: 1), logger: Logger(label: "test"), observePool: observer)
        store.start()
        #expect(store.poolFigures == ConnectionPoolFigures(size: 1, inUse: 0, waiting: 0))

        // The one connection, held until the test lets go.
        let (releases, release) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await store.quick { db in
                _ = try await db.value("SELECT 1", as: Int.self)
                for await _ in releases { break }
            }
        }
        #expect(try await eventually { store.poolFigures.inUse == 1 })
        // A call that waits for it (DB_QUERY_TIMEOUT of the test settings bounds the wait far beyond this test).
        let queued = Task { try await store.quick { db in try await db.value("SELECT 2", as: Int.self) } }
        #expect(try await eventually { store.poolFigures.waiting == 1 })
        // A call with a short bound gives up while the connection is held: counted once, no longer waiting.
        await #expect(throws: DatabaseUnavailable.self) { _ = try await store.quick(waitAtMost: 0.05) { _ in 0 } }
        #expect(timeouts.value == 1)
        #expect(store.poolFigures == ConnectionPoolFigures(size: 1, inUse: 1, waiting: 1), "only the queued call still waits")

        release.yield()
        release.finish()
        try await holder.value
        #expect(try await queued.value == 2)
        #expect(store.poolFigures == ConnectionPoolFigures(size: 1, inUse: 0, waiting: 0))
        #expect(leases.value.count == 2, "the holder's lease and the queued call's")
        #expect(leases.value.allSatisfy { $0 >= 0 })
        try await store.close()
    }
}
