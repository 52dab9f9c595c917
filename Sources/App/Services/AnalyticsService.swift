import Domain
import Storage

/// The admin analytics summary: event counts and funnels, for admins only.
struct AnalyticsService: Sendable {
    let store: any AccountStore & EventStore
    let clock: any AppClock
    /// `ADMIN_EMAILS`, lower-cased.
    let adminEmails: Set<String>

    /// The summary for an admin, else `403 forbidden`; the admin page shows the same.
    func summary(for user: String) async throws -> AnalyticsSummaryDTO {
        let email: String?
        do { email = try await store.email(userID: user) } catch { throw error.asInternal("could not compute analytics summary") }
        guard let email, adminEmails.contains(email.lowercased()) else { throw DomainError.forbidden("forbidden") }
        let now = clock.now()
        let counts: EventCounts
        do { counts = try await store.eventCounts(since24h: now.adding(seconds: -86_400), since7d: now.adding(seconds: -7 * 86_400)) } catch {
            throw error.asInternal("could not compute analytics summary")
        }
        return AnalyticsSummaryDTO(now: now, day: counts.day, week: counts.week)
    }

    /// Whether the user may see the admin pages.
    func isAdmin(email: String) -> Bool { adminEmails.contains(email.lowercased()) }
}
