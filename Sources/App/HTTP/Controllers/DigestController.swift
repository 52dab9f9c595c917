import Domain
import Hummingbird

/// `/digest/weekly` (auth): the caller's weekly digest.
struct DigestController: Sendable {
    let service: DigestService

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/digest/weekly", use: weekly)
    }

    @Sendable func weekly(_ request: Request, context: AppRequestContext) async throws -> JSONResult<WeeklyDigestResponseDTO> {
        JSONResult(WeeklyDigestResponseDTO(try await service.weekly(userID: try context.requireUser())))
    }
}
