import Domain
import Hummingbird
import Storage

/// `/admin/analytics/summary`: event counts and funnels, for the users named in `ADMIN_EMAILS` only.
struct AdminController: Sendable {
    let service: AnalyticsService

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/admin/analytics/summary", use: summary)
    }

    @Sendable func summary(_ request: Request, context: AppRequestContext) async throws -> JSONResult<AnalyticsSummaryDTO> {
        JSONResult(try await service.summary(for: try context.requireUser()))
    }
}
