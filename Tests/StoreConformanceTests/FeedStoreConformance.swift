import Domain
import Storage
import TestSupport
import Testing

/// `FeedStore`: trending battles by engagement, the followed personas' posts and new templates, and a user's own
/// battles.
@Suite struct FeedStoreConformance {
    static func share(_ battle: String, at time: Timestamp) -> EventRecord {
        EventRecord(userID: nil, actor: anonymousActor(), name: "battle_shared", metadata: ["battle_id": battle], createdAt: time)
    }

    static func remix(of source: String, at time: Timestamp) -> EventRecord {
        EventRecord(
            userID: nil, actor: anonymousActor(), name: "remix_completed",
            metadata: ["battle_id": Identifiers.newUUID(), "source_battle_id": source], createdAt: time)
    }

    @Test(arguments: StoreBackend.available)
    func trendingRanksPublishedBattlesByWeightedEngagementSinceTheWindow(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let author = try await f.user()
        let persona = try await f.persona(of: author)
        let shared = try await f.battle(by: author, topic: "Shared").post
        let remixed = try await f.battle(by: author, topic: "Remixed").post
        let stale = try await f.battle(by: author, topic: "Stale").post
        let tiedOld = try await f.battle(by: author, topic: "Tied old", at: f.now.adding(seconds: -60)).post
        let draft = try await f.store.createDraft(roomID: try await f.room().id, persona: persona, content: "draft", now: f.now)
        let since = f.now.adding(seconds: -3600)
        let recent = f.now.adding(seconds: -60)
        try await f.store.recordEvents(
            [Self.share(shared.id, at: recent), Self.share(shared.id, at: recent), Self.share(shared.id, at: recent)]
                + [Self.remix(of: remixed.id, at: recent), Self.remix(of: remixed.id, at: recent)]
                + [Self.share(stale.id, at: since.adding(seconds: -1)), Self.share(draft.id, at: recent)]
                + [Self.remix(of: tiedOld.id, at: recent), Self.share(tiedOld.id, at: recent)])
        // Scores: remixed 2·4 = 8, shared 3·2 = 6, tiedOld 4 + 2 = 6 (older, so after shared).
        let pool = try await f.store.trendingPool(since: since, limit: 10)
        #expect(pool.map(\.candidate.battleID) == [remixed.id, shared.id, tiedOld.id])
        #expect(pool.map(\.candidate.shares) == [0, 3, 1] && pool.map(\.candidate.remixes) == [2, 0, 1])
        #expect(pool.allSatisfy { $0.ownerID == author.id && $0.candidate.templateName == SeedData.templateName })
        #expect(try await f.store.trendingPool(since: since, limit: 1).map(\.candidate.battleID) == [remixed.id])
    }

    @Test(arguments: StoreBackend.available)
    func feedCandidatesAreTheFollowedPersonasNewestPostsWithEngagementAndTheNewestTemplates(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let reader = try await f.user("reader")
        let author = try await f.user("author")
        let followed = try await f.persona(of: author, name: "Followed", draftQuota: 50)
        let unfollowed = try await f.persona(of: author, name: "Unfollowed")
        _ = try await f.store.follow(personaID: followed.id, slug: "f", ownerUserID: author.id, followerUserID: reader.id, now: f.now)
        var posts: [Post] = []
        for n in 0..<21 { posts.append(try await f.publishedPost(by: followed, content: "Post \(n).", at: f.now.adding(seconds: Double(n - 30)))) }
        _ = try await f.publishedPost(by: unfollowed)
        let since = f.now.adding(seconds: -3600)
        try await f.store.recordEvents([
            FeedStoreConformance.share(posts[20].id, at: f.now), FeedStoreConformance.remix(of: posts[20].id, at: f.now),
            FeedStoreConformance.share(posts[19].id, at: since.adding(seconds: -1)),
        ])
        // Newer than the system template, which the schema seeds with the database's clock.
        let seeded = try #require(try await f.store.publicTemplates(limit: 1).first).createdAt
        var templates: [BattleTemplate] = []
        for n in 0..<13 {
            templates.append(
                try await f.store.createTemplate(
                    BattleStoreConformance.template("T\(n)", isPublic: true), ownerUserID: author.id, now: seeded.adding(seconds: Double(n + 1))))
        }
        try await f.battle(by: author, template: templates[12].id)
        try await f.battle(by: author, template: templates[12].id, at: f.now.adding(seconds: -40 * 86_400))

        let inputs = try await f.store.feedCandidates(userID: reader.id, engagementSince: since, templatesSince: f.now.adding(seconds: -30 * 86_400))
        #expect(inputs.followed.map(\.battleID) == posts.reversed().prefix(20).map(\.id), "the 20 newest, newest first")
        let newest = try #require(inputs.followed.first)
        #expect(newest.shares == 1 && newest.remixes == 1 && newest.personaID == followed.id && newest.personaName == "Followed")
        #expect(inputs.followed[1].shares == 0, "engagement before the window does not count")
        #expect(inputs.templates.map(\.templateID) == templates.reversed().prefix(12).map(\.id), "the 12 newest public templates")
        #expect(inputs.templates.first?.usageCount == 1, "uses in the window only")
        #expect(inputs.templates.dropFirst().allSatisfy { $0.usageCount == 0 })
        #expect(try await f.store.feedCandidates(userID: author.id, engagementSince: since, templatesSince: since).followed.isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func ownBattlesAreTheUsersPublishedBattlesWithoutAPersonaNewestFirst(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        let persona = try await f.persona(of: user)
        var battles: [Post] = []
        for n in 0..<3 { battles.append(try await f.battle(by: user, topic: "Battle \(n)", at: f.now.adding(seconds: Double(n))).post) }
        _ = try await f.publishedPost(by: persona, at: f.now.adding(seconds: 10))
        try await f.battle(by: try await f.user("other"))
        let own = try await f.store.ownBattles(userID: user.id, limit: 2)
        #expect(own.map(\.battleID) == [battles[2].id, battles[1].id])
        #expect(own.allSatisfy { $0.personaID == nil && $0.shares == 0 && $0.remixes == 0 && $0.templateName == SeedData.templateName })
    }
}

/// `NotificationStore`: newest first with the unread total, and marking read per user.
@Suite struct NotificationStoreConformance {
    @Test(arguments: StoreBackend.available)
    func notificationsAreNewestFirstWithTheUnreadTotalAndMarkingIsPerUser(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let persona = try await f.persona(of: owner)
        var fans: [User] = []
        for n in 0..<3 {
            let fan = try await f.user("fan")
            fans.append(fan)
            _ = try await f.store.follow(
                personaID: persona.id, slug: "ada", ownerUserID: owner.id, followerUserID: fan.id, now: f.now.adding(seconds: Double(n / 2)))
        }
        // fans[0] and fans[1] followed at the same time: of those, the later id (fans[1]) comes first.
        let page = try await f.store.notifications(userID: owner.id, limit: 2)
        #expect(page.unread == 3 && page.items.count == 2)
        #expect(page.items.map(\.actorUserID) == [fans[2].id, fans[1].id])
        #expect(page.items[0].id > page.items[1].id)
        let newest = page.items[0]

        let stranger = try await f.user("stranger")
        let refused = try await f.store.markNotificationRead(id: newest.id, userID: stranger.id, now: f.now)
        #expect(refused.updated == false && refused.unread == 0, "another user's notification is not theirs to mark")
        let marked = try await f.store.markNotificationRead(id: newest.id, userID: owner.id, now: f.now)
        #expect(marked.updated && marked.unread == 2)
        let again = try await f.store.markNotificationRead(id: newest.id, userID: owner.id, now: f.now)
        #expect(again.updated == false && again.unread == 2)
        #expect(try await f.store.notifications(userID: owner.id, limit: 1).items.first?.readAt == f.now)
        #expect(try await f.store.markAllNotificationsRead(userID: owner.id, now: f.now) == 2)
        #expect(try await f.store.markAllNotificationsRead(userID: owner.id, now: f.now) == 0)
        #expect(try await f.store.notifications(userID: owner.id, limit: 10).unread == 0)
        #expect(try await f.store.notifications(userID: stranger.id, limit: 10).items.isEmpty)
    }
}
