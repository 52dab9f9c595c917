import Domain
import Storage
import TestSupport
import Testing

/// `EventStore`: batches of events and the counts by name over a day and a week.
@Suite struct EventStoreConformance {
    @Test(arguments: StoreBackend.available)
    func eventCountsGroupNamesCaseInsensitivelyOverTheDayAndTheWeek(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        try await f.store.recordEvents([])
        let hour = f.now.adding(seconds: -3600)
        try await f.store.recordEvents([
            EventRecord(userID: user.id, actor: user.id, name: "battle_shared", metadata: ["battle_id": "b"], createdAt: hour),
            EventRecord(userID: nil, actor: anonymousActor(), name: "battle_shared", metadataJSON: "{}", createdAt: hour),
            EventRecord(userID: nil, actor: anonymousActor(), name: "DAILY_RETURN", metadata: [:], createdAt: hour),
            EventRecord(userID: nil, actor: anonymousActor(), name: "daily_return", metadata: [:], createdAt: f.now.adding(seconds: -2 * 86_400)),
            EventRecord(userID: nil, actor: anonymousActor(), name: "battle_shared", metadata: [:], createdAt: f.now.adding(seconds: -8 * 86_400)),
        ])
        let counts = try await f.store.eventCounts(since24h: f.now.adding(seconds: -86_400), since7d: f.now.adding(seconds: -7 * 86_400))
        #expect(counts.day == ["battle_shared": 2, "daily_return": 1])
        #expect(counts.week == ["battle_shared": 2, "daily_return": 2])
    }
}

/// `LLMCacheStore`: a miss, a hit, and a replacement.
@Suite struct LLMCacheStoreConformance {
    @Test(arguments: StoreBackend.available)
    func aStoredResponseIsReturnedUntilReplaced(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        #expect(try await f.store.cachedLLMResponse(key: "k") == nil)
        try await f.store.storeLLMResponse(key: "k", operation: "summary", response: "first \"quoted\" é", now: f.now)
        #expect(try await f.store.cachedLLMResponse(key: "k") == "first \"quoted\" é")
        try await f.store.storeLLMResponse(key: "k", operation: "summary", response: "second", now: f.now)
        #expect(try await f.store.cachedLLMResponse(key: "k") == "second")
        #expect(try await f.store.cachedLLMResponse(key: "other") == nil)
    }
}

/// `SchemaStore`: migrations and seeding are idempotent, readiness, and data that outlives the connection.
@Suite struct SchemaStoreConformance {
    @Test(arguments: StoreBackend.available)
    func migratingAndSeedingAgainChangeNothing(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let status = try await f.store.migrationStatus()
        #expect(status.expected > 0 && status.applied == status.expected)
        let rooms = try await f.store.rooms()
        let templates = try await f.store.publicTemplates(limit: 10)
        #expect(templates.map(\.name) == [SeedData.templateName])
        #expect(templates.first?.promptRules == SeedData.templateRules && templates.first?.turnCount == 6)
        try await f.store.migrate()
        try await f.store.seedDefaults(now: f.now.adding(seconds: 60))
        #expect(try await f.store.migrationStatus().applied == status.expected)
        #expect(try await f.store.rooms() == rooms)
        #expect(try await f.store.publicTemplates(limit: 10) == templates)
        try await f.store.ping()
    }

    @Test(arguments: StoreBackend.available)
    func whatWasWrittenBeforeCloseIsThereAfterReopening(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        try await f.store.close()
        let reopened = try await f.otherStore()
        #expect(try await reopened.user(email: user.email) == user)
        try await reopened.close()
    }

    /// Two stores on one database (two processes or nodes) see each other's writes.
    @Test(arguments: StoreBackend.available)
    func twoStoresOnOneDatabaseSeeEachOthersWrites(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let other = try await f.otherStore()
        let user = try await other.createUser(email: "shared@example.com", passwordHash: "h", now: f.now)
        #expect(try await f.store.email(userID: user.id) == "shared@example.com")
        await #expect(throws: DomainError.emailTaken) {
            _ = try await f.store.createUser(email: "shared@example.com", passwordHash: "h", now: f.now)
        }
    }
}

/// `DemoSeeder`: the demo, the scale dataset and the benchmark fixture.
@Suite struct DemoSeederConformance {
    @Test(arguments: StoreBackend.available)
    func theDemoIsSeededOnceAndFoundAgain(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let first = try await f.store.seedDemo(email: "demo@example.com", passwordHash: "h", now: f.now)
        let second = try await f.store.seedDemo(email: "demo@example.com", passwordHash: "h", now: f.now.adding(seconds: 60))
        #expect(first.userID == second.userID && first.personaID == second.personaID && first.postID == second.postID)
        let persona = try #require(try await f.store.publicPersona(slug: "demo-slug"))
        #expect(persona.personaID == first.personaID && persona.postsCount == 1)
        #expect(try await f.store.user(email: "demo@example.com")?.id == first.userID)
        #expect(try await f.store.post(id: first.postID)?.status == .published)
    }

    @Test(arguments: StoreBackend.available)
    func theScaleDatasetIsWrittenOnce(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let stages = LockedBox<Set<String>>([])
        let scale = try #require(
            try await f.store.seedDemoScale(4, passwordHash: "h", now: f.now) { stage, _, _ in stages.mutate { $0.insert(stage) } })
        #expect(scale.users == 4 && scale.posts == 20 && scale.events == 400)
        #expect(scale.follows > 0 && scale.follows <= 12, "distinct follows of another user's persona")
        #expect(stages.value == ["users", "posts", "follows", "events"])
        #expect(try await f.store.user(email: scaleUserEmail(0)) != nil)
        #expect(try await f.store.user(email: scaleUserEmail(3)) != nil)
        #expect(try await f.store.seedDemoScale(4, passwordHash: "h", now: f.now) { _, _, _ in } == nil)
    }

    @Test(arguments: StoreBackend.available)
    func theSyntheticLoadIsOneUserWithPersonasAndPublishedPosts(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let load = try await f.store.seedSyntheticLoad(personas: 3, posts: 4, replyQuota: 7, now: f.now)
        let personas = try await f.store.personas(ownedBy: load.user)
        #expect(Set(personas.map(\.id)) == Set(load.personas) && personas.allSatisfy { $0.fields.dailyReplyQuota == 7 })
        #expect(try await f.store.resolvePersonas(userID: load.user, ids: []) == load.personas, "created in order")
        for post in load.posts { #expect(try await f.store.post(id: post)?.status == .published) }
        #expect(load.posts.count == 4)
    }
}
