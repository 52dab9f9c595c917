import Domain
import Foundation
import PostgresStorage
import Storage
import TestSupport
import Testing

/// Public profiles on PostgreSQL: the page read in one snapshot, keyset pages, follows.
@Suite struct PostgresProfileTests {
    static let now = Timestamp(microseconds: 1_800_000_000_123_456)

    @Test func aPublishedProfilePageListsItsPostsNewestFirstWithTopRooms() async throws {
        let cluster = try await PostgresCluster.shared()
        try await cluster.withStore { store, _ in
            let load = try await store.seedSyntheticLoad(personas: 1, posts: 0, replyQuota: 5, now: Self.now)
            let persona = load.personas[0]
            let room = try #require(try await store.rooms().first).id
            let profile = try #require(
                try await store.publishProfile(personaID: persona, ownedBy: load.user, requestedSlug: "page-test", bio: "", now: Self.now))
            #expect(profile.slug == "page-test" && profile.isPublic)
            for n in 0..<3 {
                let draft = try await store.createDraft(
                    roomID: room, persona: try #require(try await store.persona(id: persona, ownedBy: load.user)), content: "Post \(n)",
                    now: Self.now.adding(seconds: Double(n)))
                _ = try await store.approveDraft(
                    postID: draft.id, content: "Post \(n)", approverID: load.user, now: Self.now.adding(seconds: Double(n)))
            }
            let page = try #require(try await store.publicProfilePage(slug: "page-test", limit: 2))
            #expect(page.persona.postsCount == 3 && page.posts.map(\.content) == ["Post 2", "Post 1"])
            #expect(page.topRooms.map(\.postCount) == [3])
            let rest = try await store.publicPosts(
                personaID: persona, after: PostCursor(createdAt: page.posts[1].createdAt, postID: page.posts[1].id), limit: 2)
            #expect(rest.map(\.content) == ["Post 0"])
        }
    }
}
