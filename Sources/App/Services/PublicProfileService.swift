import Domain
import Storage

/// Public persona profiles, their post pages and follows.
struct PublicProfileService: Sendable {
    let store: any ProfileStore
    let clock: any AppClock
    let events: EventRecorder

    /// A public profile by path slug (normalised), or `public profile not found`.
    func persona(slug raw: String) async throws -> PublicPersona {
        let slug = Slug.normalize(raw)
        guard !slug.isEmpty else { throw DomainError.notFound("public profile not found") }
        let found: PublicPersona?
        do { found = try await store.publicPersona(slug: slug) } catch { throw error.asInternal("could not load public profile") }
        guard let found else { throw DomainError.notFound("public profile not found") }
        return found
    }

    /// The profile page: profile, first page of posts, top rooms; records `public_profile_viewed`.
    func profilePage(slug raw: String, viewer: Viewer) async throws -> (persona: PublicPersona, posts: Page, rooms: [RoomStat]) {
        let slug = Slug.normalize(raw)
        guard !slug.isEmpty else { throw DomainError.notFound("public profile not found") }
        let found: PublicProfilePage?
        do { found = try await store.publicProfilePage(slug: slug, limit: PostCursor.pageSize) } catch {
            throw error.asInternal("could not load public profile")
        }
        guard let found else { throw DomainError.notFound("public profile not found") }
        recordView(slug: found.persona.slug, personaID: found.persona.personaID, viewer: viewer)
        return (found.persona, Self.page(found.posts), found.topRooms)
    }

    /// `public_profile_viewed`, for rendered and cached pages alike.
    func recordView(slug: String, personaID: String, viewer: Viewer) {
        events.record(viewer, name: EventName.publicProfileViewed, metadata: ["slug": slug, "persona_id": personaID])
    }

    /// A page of posts and the cursor to the next one ("" when this page is not full).
    struct Page: Sendable {
        let posts: [PublicPost]
        let nextCursor: String
    }

    /// The posts page after `cursor`; a malformed cursor is `invalid cursor`.
    func posts(slug: String, cursor raw: String) async throws -> Page {
        let persona = try await persona(slug: slug)
        return try await page(persona: persona, cursor: try PostCursor.parse(raw), failure: "could not load public posts")
    }

    private func page(persona: PublicPersona, cursor: PostCursor?, failure: String) async throws -> Page {
        let posts: [PublicPost]
        do { posts = try await store.publicPosts(personaID: persona.personaID, after: cursor, limit: PostCursor.pageSize) } catch {
            throw error.asInternal(failure)
        }
        return Self.page(posts)
    }

    /// A page carries a cursor to the next one exactly when it is full.
    static func page(_ posts: [PublicPost]) -> Page {
        let next = posts.count == PostCursor.pageSize ? posts.last.map { PostCursor(createdAt: $0.createdAt, postID: $0.id).encoded } ?? "" : ""
        return Page(posts: posts, nextCursor: next)
    }

    /// Follows a public persona: 401 `signup_required` when anonymous, 409 for one's own persona.
    func follow(slug: String, follower: String?) async throws -> (followed: Bool, followers: Int) {
        let persona = try await persona(slug: slug)
        guard let follower else { throw DomainError.unauthorized("signup_required") }
        let owner: String?
        do { owner = try await store.publicPersonaOwner(personaID: persona.personaID) } catch {
            throw error.asInternal("could not follow persona")
        }
        guard let owner else { throw DomainError.notFound("public profile not found") }
        guard owner != follower else { throw DomainError.conflict("cannot follow your own persona") }
        do {
            let result = try await store.follow(
                personaID: persona.personaID, slug: persona.slug, ownerUserID: owner,
                followerUserID: follower, now: clock.now())
            return (result.created, result.followers)
        } catch { throw error.asInternal("could not follow persona") }
    }
}
