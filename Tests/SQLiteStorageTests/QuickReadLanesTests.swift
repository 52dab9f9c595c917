import Domain
import GRDB
import Storage
import TestSupport
import Testing

@testable import SQLiteStorage

/// `quickRead` on a file runs on the store's own read-only lanes (`ReadLanes`): it sees what was committed before it
/// started (a revoked session is refused at once), honours `DB_QUERY_TIMEOUT`, queues instead of blocking when
/// every lane is busy, and fails cleanly once the store is closed.
@Suite struct QuickReadLanesTests {
    private func store(_ dir: TestDirectory, queryTimeout: Double = 5) async throws -> SQLiteStore {
        let db = try SQLiteStore.open(settings: DatabaseSettings(path: dir.databasePath, queryTimeout: queryTimeout, quickReadConnections: 2))
        try await db.migrate()
        return db
    }

    @Test func aFileStoreRunsQuickReadsOnItsOwnLanes() async throws {
        let db = try await store(TestDirectory())
        #expect(db.quickReaders?.pendingReads == [0, 0])
        #expect(try SQLiteStore.inMemory().quickReaders == nil)
    }

    @Test func aSessionRevokedOnTheWriterIsRefusedByTheVeryNextQuickRead() async throws {
        let db = try await store(TestDirectory())
        let now = ManualClock().now()
        let user = try await db.createUser(email: "lanes@example.com", passwordHash: "x", shareSlug: "lanes", now: now)
        let session = Identifiers.newUUID()
        try await db.createSession(id: session, userID: user.id, expiresAt: now.adding(seconds: 3600), now: now)
        #expect(try await db.activeSessionUser(id: session, now: now) == user.id)
        #expect(try await db.revokeSession(id: session, now: now))
        #expect(try await db.activeSessionUser(id: session, now: now) == nil)
    }

    @Test func aQuickReadPastTheQueryTimeoutIsInterruptedAndTheLaneSurvives() async throws {
        let db = try await store(TestDirectory(), queryTimeout: 0.2)
        // SQLITE_INTERRUPT proves the lane's connection has the statement deadline (the query would run for minutes).
        await #expect {
            _ = try await db.quickRead { db in try Int.fetchOne(db, sql: QueryTimeoutTests.slowSQL) }
        } throws: { error in
            (error as? DatabaseError)?.resultCode == .SQLITE_INTERRUPT
        }
        #expect(try await db.quickRead { db in try Int.fetchOne(db, sql: "SELECT 1") } == 1)
        #expect(db.quickReaders?.pendingReads == [0, 0])
    }

    @Test func manyConcurrentQuickReadsAllAnswerAndTheLanesDrain() async throws {
        let db = try await store(TestDirectory())
        let now = ManualClock().now()
        let user = try await db.createUser(email: "many@example.com", passwordHash: "x", shareSlug: "many", now: now)
        let reads = 200
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<reads { group.addTask { try await db.personas(ownedBy: user.id).count + 1 } }
            return try await group.reduce(0, +)
        }
        #expect(answers == reads)
        #expect(db.quickReaders?.pendingReads == [0, 0])
    }

    @Test func aQuickReadOnAClosedStoreFails() async throws {
        let db = try await store(TestDirectory())
        try await db.close()
        await #expect(throws: DatabaseError.self) {
            _ = try await db.quickRead { db in try Int.fetchOne(db, sql: "SELECT 1") }
        }
    }
}
