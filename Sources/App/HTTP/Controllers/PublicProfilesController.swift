import Domain
import Hummingbird
import Storage

/// `/p/{slug}…`: public persona profiles, their post pages and follow.
struct PublicProfilesController: Sendable {
    let service: PublicProfileService
    let limits: BodyLimits
    let pages: PublicPageCache
    /// Told after a follow (the follower count is on the cached page), which clears the public pages on every node.
    let caches: any CacheInvalidator

    func addRoutes(to routes: RouteGroups) {
        routes.publicRead.on(.get, "/p/{slug}", use: profile)
        routes.publicRead.alias(.get, "/p/{slug}/")
        routes.publicRead.on(.get, "/p/{slug}/posts", use: posts)
        routes.publicWrite.on(.post, "/p/{slug}/follow", use: follow)
    }

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let slug = Slug.normalize(context.pathParameter("slug"))
        if let cached = pages.get(slug) {
            service.recordView(slug: cached.slug, personaID: cached.personaID, viewer: context.viewer)
            return PublicCaching.response(
                cached.body, contentType: "application/json", etag: cached.etag,
                cacheControl: PublicCaching.readPolicy, request: request)
        }
        let generation = pages.generation
        let page = try await service.profilePage(slug: slug, viewer: context.viewer)
        let dto = PublicProfilePageDTO(
            profile: PublicProfileDTO(page.persona), latestPosts: page.posts.posts.map(PublicPostDTO.init),
            topRooms: page.rooms.map(RoomStatDTO.init), nextCursor: page.posts.nextCursor)
        let body = JSONOutput.body(dto)
        let etag = PublicCaching.strongETag(body)
        pages.set(.init(body: body, etag: etag, personaID: page.persona.personaID, slug: page.persona.slug), for: slug, readAt: generation)
        return PublicCaching.response(body, contentType: "application/json", etag: etag, cacheControl: PublicCaching.readPolicy, request: request)
    }

    @Sendable func posts(_ request: Request, context: AppRequestContext) async throws -> Response {
        let page = try await service.posts(slug: context.pathParameter("slug"), cursor: request.uri.queryParameters.get("cursor") ?? "")
        return PublicCaching.json(PublicPostsPageDTO(posts: page.posts.map(PublicPostDTO.init), nextCursor: page.nextCursor), request: request)
    }

    /// The body is ignored (never read), so no body can fail this route.
    @Sendable func follow(_ request: Request, context: AppRequestContext) async throws -> JSONResult<FollowDTO> {
        let result = try await service.follow(slug: context.pathParameter("slug"), follower: context.userID)
        if result.followed { await caches.publicDataChanged() }
        return JSONResult(FollowDTO(followed: result.followed, followers: result.followers))
    }
}
