import Domain
import Storage
import TestSupport
import Testing

/// `AccountStore`: signup, lookups, and one account per email under concurrent signups.
@Suite struct AccountStoreConformance {
    @Test(arguments: StoreBackend.available)
    func aCreatedUserIsFoundByEmailAndIDAndUnknownOnesAreNot(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.store.createUser(email: "ada@example.com", passwordHash: "$2a$hash", now: f.now)
        #expect(user.email == "ada@example.com" && user.passwordHash == "$2a$hash" && user.createdAt == f.now)
        #expect(Identifiers.isValidUUID(user.id))
        #expect(try await f.store.user(email: "ada@example.com") == user)
        #expect(try await f.store.user(email: "nobody@example.com") == nil)
        #expect(try await f.store.email(userID: user.id) == "ada@example.com")
        #expect(try await f.store.email(userID: Identifiers.newUUID()) == nil)
        #expect(try await f.eventsToday()["signup_from_share"] == nil, "a plain signup records no share event")
    }

    @Test(arguments: StoreBackend.available)
    func aDuplicateEmailIsEmailTakenAndWritesNothing(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let first = try await f.store.createUser(email: "ada@example.com", passwordHash: "h1", shareSlug: "ada-public", now: f.now)
        #expect(try await f.eventsToday()["signup_from_share"] == 1, "a signup from a shared profile records its event")
        await #expect(throws: DomainError.emailTaken) {
            _ = try await f.store.createUser(email: "ada@example.com", passwordHash: "h2", shareSlug: "other", now: f.now)
        }
        #expect(try await f.store.user(email: "ada@example.com") == first, "the first account is untouched")
        #expect(try await f.eventsToday()["signup_from_share"] == 1, "the refused signup's event rolled back with it")
    }

    @Test(arguments: StoreBackend.available)
    func theAccountSummaryCountsUnreadNotificationsAndIsNilForAnUnknownUser(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        #expect(try await f.store.accountSummary(userID: owner.id) == AccountSummary(email: owner.email, isAdmin: false, unread: 0))
        let persona = try await f.persona(of: owner)
        for _ in 0..<2 {
            let fan = try await f.user("fan")
            _ = try await f.store.follow(personaID: persona.id, slug: "ada", ownerUserID: owner.id, followerUserID: fan.id, now: f.now)
        }
        #expect(try await f.store.accountSummary(userID: owner.id) == AccountSummary(email: owner.email, isAdmin: false, unread: 2))
        _ = try await f.store.markAllNotificationsRead(userID: owner.id, now: f.now)
        #expect(try await f.store.accountSummary(userID: owner.id)?.unread == 0)
        #expect(try await f.store.accountSummary(userID: Identifiers.newUUID()) == nil)
    }

    /// Race: concurrent signups with one email make exactly one account; every other caller gets `emailTaken`.
    @Test(arguments: StoreBackend.available)
    func concurrentSignupsWithOneEmailMakeOneAccount(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let outcomes = await concurrently(30) { n in
            try await f.store.createUser(email: "race@example.com", passwordHash: "h\(n)", now: f.now)
        }
        let created = outcomes.compactMap(\.value)
        #expect(created.count == 1)
        #expect(outcomes.compactMap(\.error).allSatisfy { ($0 as? DomainError) == .emailTaken }, "\(outcomes.compactMap(\.error))")
        #expect(try await f.store.user(email: "race@example.com") == created.first)
    }
}
