import Domain
import Hummingbird

/// `/p/{slug}…`: public persona profiles, their post pages and follow (API.md §3.6).
struct PublicProfilesController: Sendable {
    let service: PublicProfileService
    let limits: BodyLimits

    func addRoutes(to routes: RouteGroups) {
        routes.publicRead.on(.get, "/p/{slug}", use: profile)
        routes.publicRead.alias(.get, "/p/{slug}/")
        routes.publicRead.on(.get, "/p/{slug}/posts", use: posts)
        routes.publicWrite.on(.post, "/p/{slug}/follow", use: follow)
    }

    @Sendable func profile(_ request: Request, context: AppRequestContext) async throws -> Response {
        let page = try await service.profilePage(slug: context.pathParameter("slug"), viewer: context.userID)
        let dto = PublicProfilePageDTO(profile: PublicProfileDTO(page.persona), latestPosts: page.posts.posts.map(PublicPostDTO.init),
                                       topRooms: page.rooms.map(RoomStatDTO.init), nextCursor: page.posts.nextCursor)
        return PublicCaching.json(dto, request: request)
    }

    @Sendable func posts(_ request: Request, context: AppRequestContext) async throws -> Response {
        let page = try await service.posts(slug: context.pathParameter("slug"), cursor: request.uri.queryParameters.get("cursor") ?? "")
        return PublicCaching.json(PublicPostsPageDTO(posts: page.posts.map(PublicPostDTO.init), nextCursor: page.nextCursor), request: request)
    }

    /// The body is ignored (never read), so no body can fail this route.
    @Sendable func follow(_ request: Request, context: AppRequestContext) async throws -> JSONResult<FollowDTO> {
        let result = try await service.follow(slug: context.pathParameter("slug"), follower: context.userID)
        return JSONResult(FollowDTO(followed: result.followed, followers: result.followers))
    }
}
