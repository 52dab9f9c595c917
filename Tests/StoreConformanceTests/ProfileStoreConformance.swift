import Domain
import Storage
import TestSupport
import Testing

/// `ProfileStore`: publishing with unique slugs, hiding, the public reads and their pagination, and follows.
@Suite struct ProfileStoreConformance {
    @Test(arguments: StoreBackend.available)
    func publishingGivesAUniqueSlugAndRepublishingKeepsIt(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let ada = try await f.persona(of: owner, name: "Ada Lovelace")
        let published = try #require(try await f.store.publishProfile(personaID: ada.id, ownedBy: owner.id, requestedSlug: nil, bio: "", now: f.now))
        #expect(published == PublicProfile(personaID: ada.id, slug: "ada-lovelace", isPublic: true, bio: "A bio", createdAt: f.now))
        let rival = try await f.persona(of: try await f.user("rival"), name: "Rival")
        let second = try await f.store.publishProfile(
            personaID: rival.id, ownedBy: rival.userID, requestedSlug: "ada-lovelace", bio: "Mine", now: f.now)
        #expect(second?.slug == "ada-lovelace-2" && second?.bio == "Mine", "a taken slug gets the next free suffix")

        f.advance(60)
        let again = try await f.store.publishProfile(personaID: ada.id, ownedBy: owner.id, requestedSlug: nil, bio: "Profile bio", now: f.now)
        #expect(again == PublicProfile(personaID: ada.id, slug: "ada-lovelace", isPublic: true, bio: "Profile bio", createdAt: published.createdAt))
        let renamed = try await f.store.publishProfile(personaID: ada.id, ownedBy: owner.id, requestedSlug: "ada", bio: "Profile bio", now: f.now)
        #expect(renamed?.slug == "ada")
        #expect(try await f.store.profile(personaID: ada.id) == renamed)
        #expect(try await f.store.publicPersona(slug: "ada-lovelace") == nil, "the old slug is free again")
        #expect(try await f.store.publishProfile(personaID: ada.id, ownedBy: rival.userID, requestedSlug: "x", bio: "", now: f.now) == nil)
        #expect(try await f.store.profile(personaID: try await f.persona(of: owner, name: "Never").id) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func unpublishingHidesTheProfileUntilItIsPublishedAgain(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner)
        _ = try await f.store.publishProfile(personaID: persona.id, ownedBy: owner.id, requestedSlug: "ada", bio: "", now: f.now)
        #expect(try await f.store.unpublishProfile(personaID: persona.id, ownedBy: try await f.user().id) == nil)
        #expect(try await f.store.unpublishProfile(personaID: persona.id, ownedBy: owner.id) == "ada")
        #expect(try await f.store.publicPersona(slug: "ada") == nil)
        #expect(try await f.store.publicProfilePage(slug: "ada", limit: 10) == nil)
        #expect(try await f.store.profile(personaID: persona.id)?.isPublic == false)
        #expect(try await f.store.unpublishProfile(personaID: try await f.persona(of: owner, name: "Never").id, ownedBy: owner.id) == "")
        _ = try await f.store.publishProfile(personaID: persona.id, ownedBy: owner.id, requestedSlug: nil, bio: "", now: f.now)
        #expect(try await f.store.publicPersona(slug: "ada")?.personaID == persona.id, "republished under its slug")
    }

    @Test(arguments: StoreBackend.available)
    func aPublicPersonaShowsPublicFieldsFollowersAndPublishedPostsOnly(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner)
        _ = try await f.store.publishProfile(personaID: persona.id, ownedBy: owner.id, requestedSlug: "ada", bio: "", now: f.now)
        _ = try await f.publishedPost(by: persona)
        _ = try await f.store.createDraft(roomID: try await f.room().id, persona: persona, content: "draft", now: f.now)
        _ = try await f.store.follow(personaID: persona.id, slug: "ada", ownerUserID: owner.id, followerUserID: try await f.user().id, now: f.now)
        let expected = PublicPersona(
            personaID: persona.id, slug: "ada", name: "Ada", bio: "A bio", tone: "calm", preferredLanguage: "en", formality: 2,
            followers: 1, postsCount: 1, createdAt: f.now)
        #expect(try await f.store.publicPersona(slug: "ada") == expected)
        #expect(try await f.store.publicPersona(slug: "nobody") == nil)
        #expect(try await f.store.publicPersonaOwner(personaID: persona.id) == owner.id)
        #expect(try await f.store.publicPersonaOwner(personaID: Identifiers.newUUID()) == nil)
    }

    @Test(arguments: StoreBackend.available)
    func publicPostsPageNewestFirstByKeysetWithoutGapsOrRepeats(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner, draftQuota: 50)
        _ = try await f.store.publishProfile(personaID: persona.id, ownedBy: owner.id, requestedSlug: "ada", bio: "", now: f.now)
        var posts: [Post] = []
        for n in 0..<13 {
            // Two posts share each time, so the id breaks ties.
            posts.append(try await f.publishedPost(by: persona, content: "Post \(n).", at: f.now.adding(seconds: Double(n / 2))))
        }
        _ = try await f.store.createDraft(roomID: try await f.room().id, persona: persona, content: "draft", now: f.now.adding(seconds: 99))
        let expected = posts.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }.map(\.id)
        var seen: [String] = []
        var cursor: PostCursor?
        for _ in 0..<10 {
            let page = try await f.store.publicPosts(personaID: persona.id, after: cursor, limit: 5)
            seen += page.map(\.id)
            guard let last = page.last, page.count == 5 else { break }
            cursor = PostCursor(createdAt: last.createdAt, postID: last.id)
        }
        #expect(seen == expected)
        let page = try #require(try await f.store.publicProfilePage(slug: "ada", limit: 5))
        #expect(page.persona.postsCount == 13)
        #expect(page.posts.map(\.id) == Array(expected.prefix(5)))
        let first = try #require(page.posts.first)
        let room = try await f.room()
        #expect(first.content == "Post 12." && first.authoredBy == .aiDraftApproved && first.roomName == room.name)
    }

    @Test(arguments: StoreBackend.available)
    func topRoomsAreTheThreeBusiestWithTheNameBreakingTies(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner, draftQuota: 50)
        _ = try await f.store.publishProfile(personaID: persona.id, ownedBy: owner.id, requestedSlug: "ada", bio: "", now: f.now)
        let rooms = try await f.store.rooms()
        for (room, count) in zip(rooms, [1, 3, 1, 2]) {
            for _ in 0..<count { _ = try await f.publishedPost(by: persona, room: room) }
        }
        let page = try #require(try await f.store.publicProfilePage(slug: "ada", limit: 1))
        #expect(
            page.topRooms == [
                RoomStat(roomID: rooms[1].id, roomName: rooms[1].name, postCount: 3),
                RoomStat(roomID: rooms[3].id, roomName: rooms[3].name, postCount: 2),
                RoomStat(roomID: rooms[0].id, roomName: rooms[0].name, postCount: 1),
            ])
    }

    @Test(arguments: StoreBackend.available)
    func followingIsIdempotentAndNotifiesTheOwnerOnceButNeverOfTheirOwnFollow(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let fan = try await f.user("fan")
        let persona = try await f.persona(of: owner)
        let follow = { (follower: User) in
            try await f.store.follow(personaID: persona.id, slug: "ada", ownerUserID: owner.id, followerUserID: follower.id, now: f.now)
        }
        #expect(try await follow(fan) == FollowResult(created: true, followers: 1))
        #expect(try await follow(fan) == FollowResult(created: false, followers: 1))
        #expect(try await follow(owner) == FollowResult(created: true, followers: 2))
        let page = try await f.store.notifications(userID: owner.id, limit: 10)
        #expect(page.unread == 1 && page.items.count == 1, "one notice, for the fan's first follow only")
        let notice = try #require(page.items.first)
        #expect(notice.type == NoticeKind.personaFollowed.rawValue && notice.actorUserID == fan.id && notice.readAt == nil)
        #expect(notice.title == "New follower" && notice.createdAt == f.now)
        #expect(notice.metadataJSON == StoredJSON.object(["persona_id": persona.id, "slug": "ada"]))
    }

    /// Race: concurrent follows by one user make one follow row and one notification.
    @Test(arguments: StoreBackend.available)
    func concurrentFollowsMakeOneRowAndOneNotification(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let fan = try await f.user("fan")
        let persona = try await f.persona(of: owner)
        let outcomes = await concurrently(30) { _ in
            try await f.store.follow(personaID: persona.id, slug: "ada", ownerUserID: owner.id, followerUserID: fan.id, now: f.now)
        }
        let results = try outcomes.map { try $0.get() }
        #expect(results.filter(\.created).count == 1)
        #expect(results.allSatisfy { $0.followers == 1 })
        #expect(try await f.store.notifications(userID: owner.id, limit: 50).items.count == 1)
    }

    /// Race: personas publishing the same slug at once never share it; a publish that could not get a slug says so.
    @Test(arguments: StoreBackend.available)
    func concurrentPublishesNeverGiveTwoPersonasOneSlug(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        var made: [Persona] = []
        for n in 0..<12 { made.append(try await f.persona(of: try await f.user(), name: "P\(n)")) }
        let personas = made
        let outcomes = await concurrently(personas.count) { n in
            try await f.store.publishProfile(personaID: personas[n].id, ownedBy: personas[n].userID, requestedSlug: "same", bio: "", now: f.now)
        }
        let slugs = outcomes.compactMap { $0.value??.slug }
        #expect(!slugs.isEmpty)
        #expect(Set(slugs).count == slugs.count, "a slug was given twice: \(slugs)")
        #expect(outcomes.compactMap(\.error).allSatisfy { ($0 as? DomainError) == .slugTaken }, "\(outcomes.compactMap(\.error))")
        for slug in slugs { #expect(try await f.store.publicPersona(slug: slug) != nil) }
    }
}
