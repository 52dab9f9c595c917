import Domain
import Hummingbird
import Store

/// `/admin/analytics/summary`: event counts and funnels, for the users named in `ADMIN_EMAILS` only.
struct AdminController: Sendable {
    let database: AppDatabase
    let clock: any AppClock
    let adminEmails: Set<String>

    func addRoutes(to routes: RouteGroups) {
        routes.protected.on(.get, "/admin/analytics/summary", use: summary)
    }

    @Sendable func summary(_ request: Request, context: AppRequestContext) async throws -> JSONResult<AnalyticsSummaryDTO> {
        JSONResult(try await Self.summary(for: try context.requireUser(), database: database, clock: clock, adminEmails: adminEmails))
    }

    /// The summary for an admin (`ADMIN_EMAILS`), else `403 forbidden`; the admin page shows the same.
    static func summary(for user: String, database: AppDatabase, clock: any AppClock, adminEmails: Set<String>) async throws -> AnalyticsSummaryDTO {
        let email: String?
        do { email = try await database.email(userID: user) } catch { throw error.asInternal("could not compute analytics summary") }
        guard let email, adminEmails.contains(email.lowercased()) else { throw DomainError.forbidden("forbidden") }
        let now = clock.now()
        let counts: (day: [String: Int], week: [String: Int])
        do { counts = try await database.eventCounts(since24h: now.adding(seconds: -86_400), since7d: now.adding(seconds: -7 * 86_400)) } catch {
            throw error.asInternal("could not compute analytics summary")
        }
        return AnalyticsSummaryDTO(now: now, day: counts.day, week: counts.week)
    }
}
