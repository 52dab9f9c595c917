import Domain
import Hummingbird

/// `/feed` (auth): the caller's ranked feed, cached per user for `FEED_CACHE_TTL`.
struct FeedController: Sendable {
    let service: FeedService

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/feed", use: feed)
    }

    @Sendable func feed(_ request: Request, context: AppRequestContext) async throws -> JSONResult<FeedDTO> {
        JSONResult(FeedDTO(try await service.feed(userID: try context.requireUser())))
    }
}
