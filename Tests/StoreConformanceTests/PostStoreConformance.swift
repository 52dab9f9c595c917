import Domain
import Storage
import TestSupport
import Testing

/// `PostStore`: rooms, drafts and their approval, room listings, threads, and previews.
@Suite struct PostStoreConformance {
    @Test(arguments: StoreBackend.available)
    func theSeededRoomsAreListedByNameAndFoundByID(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let rooms = try await f.store.rooms()
        #expect(rooms.map(\.slug) == ["ai-builders", "cybersecurity", "game-dev", "go-backend"])
        #expect(rooms.map(\.name) == rooms.map(\.slug), "a seeded room is named by its slug")
        let seeded = Dictionary(uniqueKeysWithValues: SeedData.rooms.map { ($0.slug, $0.description) })
        #expect(rooms.allSatisfy { seeded[$0.slug] == $0.description })
        for room in rooms { #expect(try await f.store.room(id: room.id) == room) }
        #expect(try await f.store.room(id: Identifiers.newUUID()) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func aDraftIsVisibleToItsOwnerOnlyUntilApprovedOnce(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let other = try await f.user("other")
        let persona = try await f.persona(of: owner, name: "Ada")
        let room = try await f.room()
        let draft = try await f.store.createDraft(roomID: room.id, persona: persona, content: "First take.", now: f.now)
        #expect(draft.status == .draft && draft.authoredBy == .ai && draft.personaID == persona.id && draft.personaName == "Ada")
        #expect(draft.userID == owner.id && draft.roomID == room.id && draft.content == "First take." && draft.createdAt == f.now)
        #expect(try await f.store.post(id: draft.id) == draft)
        #expect(try await f.store.posts(inRoom: room.id, visibleTo: owner.id) == [draft])
        #expect(try await f.store.posts(inRoom: room.id, visibleTo: other.id).isEmpty)

        f.advance(5)
        let approved = try #require(try await f.store.approveDraft(postID: draft.id, content: "Edited take.", approverID: owner.id, now: f.now))
        #expect(approved.status == .published && approved.authoredBy == .aiDraftApproved && approved.content == "Edited take.")
        #expect(approved.createdAt == draft.createdAt && approved.updatedAt == f.now)
        #expect(
            try await f.store.approveDraft(postID: draft.id, content: "Again", approverID: owner.id, now: f.now) == nil,
            "only a draft can be approved")
        #expect(try await f.store.approveDraft(postID: Identifiers.newUUID(), content: "x", approverID: owner.id, now: f.now) == nil)
        #expect(try await f.store.posts(inRoom: room.id, visibleTo: other.id) == [approved])
        #expect(try await f.store.post(id: draft.id)?.content == "Edited take.")
        #expect(try await f.eventsToday()["post_approved"] == 1)
        #expect(try await f.store.post(id: Identifiers.newUUID()) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func aRoomListsAtMostOneHundredPostsNewestFirstWithTheIDBreakingTies(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let load = try await f.store.seedSyntheticLoad(personas: 0, posts: 102, replyQuota: 1, now: f.now)
        let room = try await f.room()
        let listed = try await f.store.posts(inRoom: room.id, visibleTo: load.user)
        #expect(listed.count == 100)
        #expect(listed.map(\.id) == Array(load.posts.sorted(by: >).prefix(100)), "equal times fall back to id, descending")
        #expect(try await f.store.posts(inRoom: try await f.room(1).id, visibleTo: load.user).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aThreadIsThePostAndItsRepliesOldestFirst(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        let second = try await f.persona(of: scene.user, name: "Grace")
        try await f.enqueue(scene.post, [second], as: scene.user)
        f.advance(1)
        try await f.enqueue(scene.post, [scene.persona], as: scene.user)
        for content in ["Grace first.", "Ada second."] {
            f.advance(1)
            let job = try #require(try await f.claim().first)
            #expect(try await f.store.completeReplyJob(job, content: content, post: scene.post, quota: 10, now: f.now) == .written)
        }
        let thread = try #require(try await f.store.thread(postID: scene.post.id))
        #expect(thread.post == scene.post)
        #expect(thread.replies.map(\.content) == ["Grace first.", "Ada second."])
        #expect(thread.replies.map(\.personaName) == ["Grace", "Ada"])
        #expect(thread.replies.allSatisfy { $0.authoredBy == .ai && $0.postID == scene.post.id })
        #expect(try await f.store.thread(postID: Identifiers.newUUID()) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func draftsStopAtTheDailyQuotaAndStartAgainTheNextUTCDay(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner, draftQuota: 2)
        let room = try await f.room()
        for _ in 0..<2 { _ = try await f.store.createDraft(roomID: room.id, persona: persona, content: "d", now: f.now) }
        await #expect(throws: DomainError.quotaReached(.draft)) {
            _ = try await f.store.createDraft(roomID: room.id, persona: persona, content: "over", now: f.now)
        }
        #expect(try await f.store.posts(inRoom: room.id, visibleTo: owner.id).count == 2, "the refused draft wrote nothing")
        let tomorrow = f.now.startOfDay.adding(seconds: 86_400)
        _ = try await f.store.createDraft(roomID: room.id, persona: persona, content: "tomorrow", now: tomorrow)
        var none = persona
        none.fields.dailyDraftQuota = 0
        await #expect(throws: DomainError.quotaReached(.draft)) {
            _ = try await f.store.createDraft(roomID: room.id, persona: none, content: "never", now: tomorrow)
        }
    }

    @Test(arguments: StoreBackend.available)
    func previewsCountUpToTheQuotaAndRecordOneEventEach(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner)
        let room = try await f.room()
        let quota = DailyQuota(.preview, limit: 2)
        for expected in 1...2 {
            #expect(try await f.store.recordPreview(personaID: persona.id, roomID: room.id, userID: owner.id, quota: quota, now: f.now) == expected)
        }
        await #expect(throws: DomainError.quotaReached(.preview)) {
            _ = try await f.store.recordPreview(personaID: persona.id, roomID: room.id, userID: owner.id, quota: quota, now: f.now)
        }
        #expect(try await f.storedEvents("preview_generated") == 2)
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .preview, now: f.now) == 2)
    }
}
