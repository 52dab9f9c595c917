import Domain
import Storage
import TestSupport
import Testing

/// `AccountStore` sessions and the stored admin role.
@Suite struct SessionConformance {
    @Test(arguments: StoreBackend.available)
    func aSessionLivesUntilRevokedOrExpiredAndDiesWithItsUser(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        let (live, revoked, expired) = (Identifiers.newUUID(), Identifiers.newUUID(), Identifiers.newUUID())
        for (id, life) in [(live, 3600.0), (revoked, 3600), (expired, 60)] {
            try await f.store.createSession(id: id, userID: user.id, expiresAt: f.now.adding(seconds: life), now: f.now)
        }
        #expect(try await f.store.activeSessionUser(id: live, now: f.now) == user.id)
        #expect(try await f.store.revokeSession(id: revoked, now: f.now))
        #expect(try await f.store.revokeSession(id: revoked, now: f.now) == false, "already revoked")
        #expect(try await f.store.activeSessionUser(id: revoked, now: f.now) == nil)
        f.advance(61)
        #expect(try await f.store.activeSessionUser(id: expired, now: f.now) == nil, "expired")
        #expect(try await f.store.activeSessionUser(id: live, now: f.now) == user.id)
        #expect(try await f.store.activeSessionUser(id: Identifiers.newUUID(), now: f.now) == nil, "unknown")
        #expect(try await f.store.activeSessionUser(id: "not-a-uuid", now: f.now) == nil, "malformed ids are unknown, never an error")
    }

    @Test(arguments: StoreBackend.available)
    func revokingAllEndsEveryLiveSessionOfTheUserOnly(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (ada, bob) = (try await f.user("ada"), try await f.user("bob"))
        let adas = (0..<3).map { _ in Identifiers.newUUID() }
        let bobs = Identifiers.newUUID()
        for id in adas { try await f.store.createSession(id: id, userID: ada.id, expiresAt: f.now.adding(seconds: 3600), now: f.now) }
        try await f.store.createSession(id: bobs, userID: bob.id, expiresAt: f.now.adding(seconds: 3600), now: f.now)
        _ = try await f.store.revokeSession(id: adas[0], now: f.now)
        #expect(try await f.store.revokeAllSessions(userID: ada.id, now: f.now) == 2, "the two still live")
        for id in adas { #expect(try await f.store.activeSessionUser(id: id, now: f.now) == nil) }
        #expect(try await f.store.activeSessionUser(id: bobs, now: f.now) == bob.id)
    }

    /// Another process's revocation is seen at once through the store (the per-process cache is the app's concern).
    @Test(arguments: StoreBackend.available)
    func aRevocationOnOneStoreIsSeenByAnother(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let other = try await f.otherStore()
        let user = try await f.user()
        let id = Identifiers.newUUID()
        try await f.store.createSession(id: id, userID: user.id, expiresAt: f.now.adding(seconds: 3600), now: f.now)
        #expect(try await other.activeSessionUser(id: id, now: f.now) == user.id)
        _ = try await other.revokeSession(id: id, now: f.now)
        #expect(try await f.store.activeSessionUser(id: id, now: f.now) == nil)
    }
}

@Suite struct AdminRoleConformance {
    @Test(arguments: StoreBackend.available)
    func theRoleIsSetByExactEmailAndShowsInTheSummary(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user("boss")
        #expect(try await f.store.isAdmin(userID: user.id) == false)
        #expect(try await f.store.setAdmin(email: user.email.uppercased(), isAdmin: true) == false, "exact match only")
        #expect(try await f.store.setAdmin(email: user.email, isAdmin: true))
        #expect(try await f.store.isAdmin(userID: user.id))
        #expect(try await f.store.accountSummary(userID: user.id)?.isAdmin == true)
        #expect(try await f.store.setAdmin(email: user.email, isAdmin: false))
        #expect(try await f.store.isAdmin(userID: user.id) == false)
        #expect(try await f.store.setAdmin(email: "nobody@example.com", isAdmin: true) == false)
        #expect(try await f.store.isAdmin(userID: Identifiers.newUUID()) == false)
    }
}

@Suite struct PersonaCapConformance {
    @Test(arguments: StoreBackend.available)
    func concurrentCreatesNeverExceedTheCap(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let store = f.store
        let now = f.now
        let outcomes = await concurrently(20) { n in
            try await store.createPersona(userID: owner.id, fields: StoreFixture.fields(name: "P\(n)"), maxPersonas: 5, now: now)
        }
        #expect(outcomes.compactMap(\.value).count == 5)
        #expect(outcomes.compactMap(\.error).allSatisfy { ($0 as? DomainError) == .personaLimitReached })
        #expect(try await f.store.personas(ownedBy: owner.id).count == 5)
        #expect(try await f.storedEvents("persona_created") == 5, "a refused create records no event")
        let other = try await f.user()
        #expect(try await f.store.createPersona(userID: other.id, fields: StoreFixture.fields(), maxPersonas: 5, now: now).userID == other.id)
    }

    @Test(arguments: StoreBackend.available)
    func aWriteForAUserThatIsGoneIsReferenceGone(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        await #expect(throws: DomainError.referenceGone) {
            _ = try await f.store.createPersona(userID: Identifiers.newUUID(), fields: StoreFixture.fields(), maxPersonas: 5, now: f.now)
        }
    }
}

/// DECISIONS 28: each (actor, event name, battle, UTC day) counts once.
@Suite struct ActorCountingConformance {
    @Test(arguments: StoreBackend.available)
    func oneActorCountsOncePerBattleNameAndDay(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let author = try await f.user()
        let battle = try await f.battle(by: author).post
        let flooder = anonymousActor()
        let share = { (actor: String, at: Timestamp) in
            EventRecord(userID: nil, actor: actor, name: "battle_shared", metadata: ["battle_id": battle.id], createdAt: at)
        }
        try await f.store.recordEvents((0..<50).map { _ in share(flooder, f.now.adding(seconds: -60)) } + [share(anonymousActor(), f.now)])
        var pool = try await f.store.trendingPool(since: f.now.adding(seconds: -3600), limit: 5)
        #expect(pool.map(\.candidate.shares) == [2], "fifty shares by one actor count once, plus one by another")
        #expect(try await f.eventsToday()["battle_shared"] == 2)
        // The same actor on another UTC day counts again.
        try await f.store.recordEvents([share(flooder, f.now.adding(seconds: -86_400))])
        pool = try await f.store.trendingPool(since: f.now.adding(seconds: -3 * 86_400), limit: 5)
        #expect(pool.map(\.candidate.shares) == [3])
        let weekly = try await f.store.weeklyEngagedBattles(
            engagementSince: f.now.adding(seconds: -3 * 86_400), createdSince: f.now.adding(seconds: -3 * 86_400))
        #expect(weekly.map(\.candidate.shares) == [3])
        // Events naming a battle that does not exist are stored and lift nothing.
        try await f.store.recordEvents(
            (0..<5).map { _ in
                EventRecord(
                    userID: nil, actor: anonymousActor(), name: "battle_shared", metadata: ["battle_id": Identifiers.newUUID()],
                    createdAt: f.now)
            })
        #expect(try await f.store.trendingPool(since: f.now.adding(seconds: -3600), limit: 10).count == 1)
    }
}
