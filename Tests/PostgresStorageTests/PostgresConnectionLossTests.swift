import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import PostgresStorage

/// A pooled connection that closes underneath a running operation (the pool stopped, the server went away) fails that
/// operation's next statement at once. postgres-nio 1.33 writes a statement to its channel without a promise, so a
/// statement sent after the closed channel dropped its handlers is never answered: the caller waited forever, and
/// with it the transaction's ROLLBACK, the worker loop and the service group around it.
@Suite(.timeLimit(.minutes(5))) struct PostgresConnectionLossTests {
    /// Closes the connection and waits until its channel has torn its pipeline down (the handlers are removed by a
    /// task the close queues on the event loop, so one more task on that loop runs after it).
    static func closeUnderneath(_ db: Connection) async throws {
        try await db.raw.close()
        try await db.raw.eventLoop.submit {}.get()
    }

    @Test func aStatementOnAConnectionThatClosedFailsInsteadOfWaitingForever() async throws {
        try await PostgresCluster.shared().withStore(poolSize: 1) { store, _ in
            await #expect(throws: (any Error).self) {
                try await store.quick { db in
                    try await Self.closeUnderneath(db)
                    return try await db.value("SELECT 1", as: Int.self)
                }
            }
            // The pool replaces the closed connection.
            let one = try await store.quick { db in try await db.value("SELECT 1", as: Int.self) }
            #expect(one == 1)
        }
    }

    @Test func aTransactionWhoseConnectionClosedRollsBackWithoutWaitingForever() async throws {
        try await PostgresCluster.shared().withStore(poolSize: 1) { store, _ in
            await #expect(throws: (any Error).self) {
                try await store.write { db in
                    try await db.execute("SELECT 1")
                    try await Self.closeUnderneath(db)
                    try await db.execute("SELECT 2")
                }
            }
            let one = try await store.quick { db in try await db.value("SELECT 1", as: Int.self) }
            #expect(one == 1)
        }
    }

    @Test func aPreparedStatementOnAConnectionThatClosedFailsInsteadOfWaitingForever() async throws {
        try await PostgresCluster.shared().withStore(poolSize: 1) { store, _ in
            await #expect(throws: (any Error).self) {
                try await store.quick { db in
                    try await Self.closeUnderneath(db)
                    return try await db.prepared(PersonasOfUser(userID: UUID()))
                }
            }
            let personas = try await store.quick { db in try await db.prepared(PersonasOfUser(userID: UUID())) }
            #expect(personas.isEmpty)
        }
    }

    /// The stall seen under load: a test app's service group was cancelled (its test had thrown) while a worker was
    /// inside a claim transaction; the cancelled pool closed the leased connection and the worker's next statement
    /// never returned. Now the statement fails and the transaction ends.
    @Test func stoppingThePoolUnderARunningTransactionFailsTheTransaction() async throws {
        let cluster = try await PostgresCluster.shared()
        let name = try await cluster.freshDatabase()
        let store = PostgresStore(settings: cluster.settings(database: name, poolSize: 1), logger: Logger(label: "test"))
        store.start()
        let (inside, insideSignal) = AsyncStream.makeStream(of: Void.self)
        let (resume, resumeSignal) = AsyncStream.makeStream(of: Void.self)
        let writer = Task {
            try await store.write { db in
                try await db.execute("SELECT 1")
                insideSignal.yield()
                for await _ in resume { break }
                try await db.execute("SELECT 2")
            }
        }
        for await _ in inside { break }
        try await store.close()
        resumeSignal.yield()
        await #expect(throws: (any Error).self) { try await writer.value }
    }
}
