import Domain
import Storage
import TestSupport
import Testing

/// `PersonaStore`: personas scoped to their owner (another user's persona behaves as missing), newest first, the
/// persona list resolution of reply requests, and today's quota usage.
@Suite struct PersonaStoreConformance {
    @Test(arguments: StoreBackend.available)
    func aCreatedPersonaRoundTripsEveryFieldAndRecordsItsEvent(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        var fields = StoreFixture.fields(name: "Ada \"Quotes\" Lovelace")
        fields.writingSamples = ["é ü 😀", "a \"quoted\" sample", "back\\slash"]
        fields.doNotSay = []
        let persona = try await f.store.createPersona(userID: owner.id, fields: fields, maxPersonas: 50, now: f.now)
        #expect(persona.userID == owner.id && persona.fields == fields && persona.createdAt == f.now && persona.updatedAt == f.now)
        #expect(try await f.store.persona(id: persona.id, ownedBy: owner.id) == persona)
        #expect(try await f.store.personas(ownedBy: owner.id) == [persona])
        #expect(try await f.eventsToday()["persona_created"] == 1)
    }

    @Test(arguments: StoreBackend.available)
    func personasAreListedNewestFirstWithTheIDBreakingTies(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let old = try await f.persona(of: owner, name: "Old", at: f.now.adding(seconds: -60))
        let tiedA = try await f.persona(of: owner, name: "Tied A")
        let tiedB = try await f.persona(of: owner, name: "Tied B")
        let newest = try await f.persona(of: owner, name: "New", at: f.now.adding(seconds: 60))
        let tied = [tiedA, tiedB].sorted { $0.id > $1.id }
        #expect(try await f.store.personas(ownedBy: owner.id).map(\.id) == [newest.id] + tied.map(\.id) + [old.id])
        #expect(try await f.store.personas(ownedBy: try await f.user().id).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func anotherUsersPersonaBehavesAsMissing(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let stranger = try await f.user("stranger")
        let persona = try await f.persona(of: owner)
        #expect(try await f.store.persona(id: persona.id, ownedBy: stranger.id) == nil)
        #expect(try await f.store.updatePersona(id: persona.id, ownedBy: stranger.id, fields: StoreFixture.fields(name: "Taken"), now: f.now) == nil)
        #expect(try await f.store.deletePersona(id: persona.id, ownedBy: stranger.id) == false)
        await #expect(throws: DomainError.unknownPersona(persona.id)) {
            _ = try await f.store.resolvePersonas(userID: stranger.id, ids: [persona.id])
        }
        #expect(try await f.store.persona(id: persona.id, ownedBy: owner.id) == persona, "nothing the stranger did changed it")
        #expect(try await f.store.persona(id: Identifiers.newUUID(), ownedBy: owner.id) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func anUpdateReplacesTheFieldsAndMovesOnlyUpdatedAt(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner)
        f.advance(90)
        var fields = StoreFixture.fields(name: "Renamed", draftQuota: 1, replyQuota: 2, bio: "New bio", language: "tr")
        fields.catchphrases = []
        let updated = try #require(try await f.store.updatePersona(id: persona.id, ownedBy: owner.id, fields: fields, now: f.now))
        #expect(updated.fields == fields && updated.createdAt == persona.createdAt && updated.updatedAt == f.now)
        #expect(try await f.store.persona(id: persona.id, ownedBy: owner.id) == updated)
    }

    @Test(arguments: StoreBackend.available)
    func deletingAPersonaKeepsItsPostsWithoutAPersona(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner)
        let post = try await f.publishedPost(by: persona)
        #expect(try await f.store.deletePersona(id: persona.id, ownedBy: owner.id))
        #expect(try await f.store.deletePersona(id: persona.id, ownedBy: owner.id) == false, "already gone")
        #expect(try await f.store.persona(id: persona.id, ownedBy: owner.id) == nil)
        #expect(try await f.store.personas(ownedBy: owner.id).isEmpty)
        let kept = try #require(try await f.store.post(id: post.id))
        #expect(kept.personaID == nil && kept.personaName == nil && kept.content == post.content)
    }

    @Test(arguments: StoreBackend.available)
    func resolvingPersonasGivesTheOldestThreeOrTheNamedOnesInOrderLowercased(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        var personas: [Persona] = []
        for n in 0..<4 { personas.append(try await f.persona(of: owner, name: "P\(n)", at: f.now.adding(seconds: Double(n)))) }
        #expect(try await f.store.resolvePersonas(userID: owner.id, ids: []) == personas.prefix(3).map(\.id))
        let named = [personas[3].id.uppercased(), personas[0].id]
        #expect(try await f.store.resolvePersonas(userID: owner.id, ids: named) == [personas[3].id, personas[0].id])
        let unknown = Identifiers.newUUID()
        await #expect(throws: DomainError.unknownPersona(unknown)) {
            _ = try await f.store.resolvePersonas(userID: owner.id, ids: [personas[0].id, unknown])
        }
        #expect(try await f.store.resolvePersonas(userID: try await f.user().id, ids: []).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func quotaUsageCountsTodaysUsesPerKindAndStartsAgainAtUTCMidnight(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner)
        let room = try await f.room()
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .draft, now: f.now) == 0)
        for _ in 0..<2 { _ = try await f.store.createDraft(roomID: room.id, persona: persona, content: "d", now: f.now) }
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .draft, now: f.now) == 2)
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .preview, now: f.now) == 0)
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .reply, now: f.now) == 0)
        let nextDay = f.now.startOfDay.adding(seconds: 86_400)
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .draft, now: nextDay) == 0)
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .draft, now: nextDay.adding(seconds: -0.000001)) == 2)
    }
}
