import Domain
import Storage
import TestSupport
import Testing

/// `BattleStore`: creating battles (their reply jobs, notifications and remix redemption in one transaction), the
/// public battle read, and templates.
@Suite struct BattleStoreConformance {
    static func template(_ name: String, turns: Int = 4, isPublic: Bool) -> TemplateInput {
        TemplateInput(name: name, promptRules: "Short turns.", turnCount: turns, wordLimit: 80, isPublic: isPublic)
    }

    @Test(arguments: StoreBackend.available)
    func aBattleOnTheDefaultTemplateIsPublishedAndQueuesTheCallersFirstTwoPersonas(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        var personas: [Persona] = []
        for n in 0..<3 { personas.append(try await f.persona(of: user, name: "P\(n)", at: f.now.adding(seconds: Double(n)))) }
        let room = try await f.room(2)
        let created = try await f.battle(by: user, room: room, topic: "Go vs Rust")
        #expect(created.template.name == SeedData.templateName && created.template.ownerUserID == nil && created.template.turnCount == 6)
        #expect(created.enqueued == 2)
        let post = created.post
        #expect(post.status == .published && post.authoredBy == .human && post.personaID == nil && post.userID == user.id)
        #expect(post.roomID == room.id && post.createdAt == f.now)
        #expect(post.content == BattleRules.content(topic: "Go vs Rust", templateName: SeedData.templateName, pro: "Pro", con: "Con", maxLength: 500))
        #expect(try await f.store.post(id: post.id) == post)
        #expect(try await f.store.pendingReplyJobs(postID: post.id, maxAttempts: 3) == 2)
        let jobs = try await f.claim(5)
        #expect(Set(jobs.map(\.personaID)) == Set(personas.prefix(2).map(\.id)))
        #expect(jobs.allSatisfy { $0.templateID == created.template.id && $0.traceID == "trace-10" && $0.postID == post.id })
        #expect(try await f.eventsToday()["battle_created"] == 1)
    }

    @Test(arguments: StoreBackend.available)
    func aLongTemplateQueuesThreeAndAPersonaAtItsQuotaIsSkippedNotReplaced(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        var personas: [Persona] = []
        for (n, quota) in [25, 0, 25, 25].enumerated() {
            personas.append(try await f.persona(of: user, name: "P\(n)", replyQuota: quota, at: f.now.adding(seconds: Double(n))))
        }
        let long = try await f.store.createTemplate(Self.template("Long", turns: 8, isPublic: false), ownerUserID: user.id, now: f.now)
        let created = try await f.battle(by: user, template: long.id)
        #expect(created.template == long)
        #expect(created.enqueued == 2, "three personas considered, the one at its quota skipped")
        #expect(Set(try await f.claim(5).map(\.personaID)) == [personas[0].id, personas[2].id])
        let none = try await f.user("none")
        #expect(try await f.battle(by: none).enqueued == 0, "a user without personas still creates the battle")
    }

    @Test(arguments: StoreBackend.available)
    func aPrivateTemplateServesItsOwnerOnlyAndAnotherUsersUseOfAPublicOneNotifiesItsOwner(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let other = try await f.user("other")
        let mine = try await f.store.createTemplate(Self.template("Mine", isPublic: false), ownerUserID: owner.id, now: f.now)
        let ours = try await f.store.createTemplate(Self.template("Ours", isPublic: true), ownerUserID: owner.id, now: f.now)
        await #expect(throws: DomainError.templateUnavailable) { try await f.battle(by: other, template: mine.id) }
        await #expect(throws: DomainError.templateUnavailable) { try await f.battle(by: other, template: Identifiers.newUUID()) }
        #expect(try await f.store.ownBattles(userID: other.id, limit: 10).isEmpty, "a refused battle writes nothing")
        try await f.battle(by: owner, template: mine.id)
        try await f.battle(by: owner, template: ours.id)
        #expect(try await f.store.notifications(userID: owner.id, limit: 10).items.isEmpty, "using one's own template notifies nobody")
        let used = try await f.battle(by: other, template: ours.id)
        let notice = try #require(try await f.store.notifications(userID: owner.id, limit: 10).items.first)
        #expect(notice.type == NoticeKind.templateUsed.rawValue && notice.actorUserID == other.id)
        #expect(notice.body == #"Your template "Ours" was used in a new battle."#)
        #expect(notice.metadataJSON == StoredJSON.object(["template_id": ours.id, "battle_id": used.post.id]))
    }

    @Test(arguments: StoreBackend.available)
    func aRemixTokenSeedsOneBattleNotifiesTheSourceOwnerAndIsRefusedAfterwards(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let author = try await f.user("author")
        let remixer = try await f.user("remixer")
        let source = try await f.battle(by: author).post
        let remix = try await f.battle(by: remixer, remixOf: source.id, remixToken: "token-1")
        let notice = try #require(try await f.store.notifications(userID: author.id, limit: 10).items.first)
        #expect(notice.type == NoticeKind.battleRemixed.rawValue && notice.actorUserID == remixer.id)
        #expect(notice.metadataJSON == StoredJSON.object(["source_battle_id": source.id, "battle_id": remix.post.id]))
        #expect(try await f.eventsToday()["remix_completed"] == 1)
        await #expect(throws: DomainError.remixTokenUsed) { try await f.battle(by: remixer, remixOf: source.id, remixToken: "token-1") }
        #expect(try await f.store.ownBattles(userID: remixer.id, limit: 10).map(\.battleID) == [remix.post.id], "the refused remix wrote nothing")
        #expect(try await f.store.notifications(userID: author.id, limit: 10).items.count == 1)
        #expect(try await f.eventsToday()["remix_completed"] == 1)
        try await f.battle(by: remixer, remixOf: source.id, remixToken: "token-2")
        try await f.battle(by: author, remixOf: source.id, remixToken: "token-3")
        #expect(try await f.store.notifications(userID: author.id, limit: 10).items.count == 2, "remixing one's own battle notifies nobody")
    }

    /// Race: a remix token redeemed concurrently seeds exactly one battle.
    @Test(arguments: StoreBackend.available)
    func aRemixTokenRedeemedConcurrentlySeedsOneBattle(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let author = try await f.user("author")
        let remixer = try await f.user("remixer")
        let source = try await f.battle(by: author).post
        let outcomes = await concurrently(20) { _ in try await f.battle(by: remixer, remixOf: source.id, remixToken: "token-race") }
        #expect(outcomes.compactMap(\.value).count == 1)
        #expect(outcomes.compactMap(\.error).allSatisfy { ($0 as? DomainError) == .remixTokenUsed })
        #expect(try await f.store.ownBattles(userID: remixer.id, limit: 50).count == 1)
    }

    @Test(arguments: StoreBackend.available)
    func aPublicBattleIsAPublishedPostWithItsRoomTemplateAndReplies(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        let persona = try await f.persona(of: user)
        let room = try await f.room(1)
        let created = try await f.battle(by: user, room: room)
        let empty = try #require(try await f.store.publicBattle(id: created.post.id, withReplies: true))
        #expect(empty.post == created.post && empty.roomName == room.name && empty.replies.isEmpty)
        #expect(empty.templateID == created.template.id && empty.templateName == created.template.name)
        f.advance(30)
        let job = try #require(try await f.claim().first)
        #expect(try await f.store.completeReplyJob(job, content: "First!", post: created.post, quota: 25, now: f.now) == .written)
        let full = try #require(try await f.store.publicBattle(id: created.post.id, withReplies: true))
        #expect(full.replies.map(\.content) == ["First!"] && full.replies.first?.personaName == persona.fields.name)
        #expect(full.version == f.now, "the newest updated_at of the post and its replies")
        #expect(try await f.store.publicBattle(id: created.post.id, withReplies: false)?.replies.isEmpty == true)
        let draft = try await f.store.createDraft(roomID: room.id, persona: persona, content: "draft", now: f.now)
        #expect(try await f.store.publicBattle(id: draft.id, withReplies: true) == nil, "a draft is not public")
        #expect(try await f.store.publicBattle(id: Identifiers.newUUID(), withReplies: true) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func templatesAreNewestFirstWithTheIDBreakingTiesAndPrivateOnesOnlyForTheirOwner(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let system = try #require(try await f.store.publicTemplates(limit: 10).first)
        #expect(try await f.store.publicTemplates(limit: 10) == [system])
        let owner = try await f.user("owner")
        let other = try await f.user("other")
        // The schema seeds the system template when it is applied (the database's clock), so times are set after it.
        let later = system.createdAt.adding(seconds: 10)
        let a = try await f.store.createTemplate(Self.template("A", isPublic: true), ownerUserID: owner.id, now: later)
        let b = try await f.store.createTemplate(Self.template("B", isPublic: true), ownerUserID: other.id, now: later)
        let secret = try await f.store.createTemplate(Self.template("Secret", isPublic: false), ownerUserID: owner.id, now: later.adding(seconds: 1))
        #expect(a.ownerUserID == owner.id && a.createdAt == later && a.isPublic && a.turnCount == 4 && a.wordLimit == 80)
        let tied = [a, b].sorted { $0.id > $1.id }
        #expect(try await f.store.publicTemplates(limit: 10) == tied + [system])
        #expect(try await f.store.publicTemplates(limit: 2) == tied)
        #expect(try await f.store.templates(usableBy: owner.id, limit: 10) == [secret] + tied + [system])
        #expect(try await f.store.templates(usableBy: other.id, limit: 10) == tied + [system])
        #expect(try await f.store.templates(usableBy: owner.id, limit: 1) == [secret])
    }

    @Test(arguments: StoreBackend.available)
    func remixSuggestionsPutTheBattlesOwnTemplateThenTheDefaultThenTheNewestAtMostFour(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let system = try #require(try await f.store.publicTemplates(limit: 1).first)
        var made: [BattleTemplate] = []
        for n in 0..<4 {
            made.append(
                try await f.store.createTemplate(Self.template("T\(n)", isPublic: true), ownerUserID: owner.id, now: f.now.adding(seconds: Double(n)))
            )
        }
        let secret = try await f.store.createTemplate(Self.template("Secret", isPublic: false), ownerUserID: owner.id, now: f.now)
        #expect(try await f.store.remixSuggestions(battleTemplateID: made[0].id).map(\.id) == [made[0].id, system.id, made[3].id, made[2].id])
        #expect(try await f.store.remixSuggestions(battleTemplateID: made[3].id).map(\.id) == [made[3].id, system.id, made[2].id, made[1].id])
        #expect(try await f.store.remixSuggestions(battleTemplateID: nil).map(\.id) == [system.id, made[3].id, made[2].id, made[1].id])
        #expect(try await f.store.remixSuggestions(battleTemplateID: secret.id).map(\.id) == [system.id, made[3].id, made[2].id, made[1].id])
    }
}
