import Domain
import Hummingbird
import Storage
import Web

/// `/app/admin`: the analytics summary (admins only) with the event counts drawn as an SVG bar chart.
struct AdminPagesController: Sendable {
    let kit: PageKit
    let analytics: AnalyticsService

    func addRoutes(to routes: RouteRegistrar) {
        routes.on(.get, "/app/admin", use: admin)
    }

    @Sendable func admin(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let dto = try await analytics.summary(for: user)
        let counts = dto.last7d.keys.sorted().map { AdminPage.Count(name: $0, day: dto.last24h[$0] ?? 0, week: dto.last7d[$0] ?? 0) }
        let chart = BarChart(series: counts.map { ($0.name, $0.day, $0.week) })
        func rows(_ values: [String: Int], order: [String]) -> [AdminPage.Count] {
            order.map { AdminPage.Count(name: $0, day: 0, week: values[$0] ?? 0) }
        }
        let page = AdminPage(
            layout: try await kit.layout("Analytics", context: context, nav: .admin),
            generatedAt: DisplayTime.text(dto.generatedAt), counts: counts, chart: chart,
            funnel: rows(dto.funnel7d, order: ["share", "view", "signup", "persona", "battle"]),
            remixFunnel: rows(dto.remixFunnel7d, order: ["public_views", "remix_clicked", "remix_started", "remix_completed"]),
            retention: rows(dto.retention7d, order: ["daily_return", "notification_clicked", "template_used_from_feed"]))
        return kit.render(page)
    }
}
