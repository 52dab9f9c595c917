import Domain
import Logging
import Storage

/// The admin analytics summary: event counts and funnels, for admins only.
struct AnalyticsService: Sendable {
    let store: any AccountStore & EventStore
    let clock: any AppClock

    /// `ADMIN_EMAILS` only bootstraps the stored role: at start-up it is granted to accounts that already exist with
    /// exactly one of these (normalised) addresses. An account created later with a listed address is not an admin
    /// until the next start or `personaworlds admin grant`.
    func bootstrapAdmins(emails: [String], logger: Logger) async throws {
        for email in Set(emails.map(AuthRules.normalizeEmail)) where !email.isEmpty {
            if try await store.setAdmin(email: email, isAdmin: true) {
                logger.notice("admin_granted", metadata: ["email": .string(email), "source": "ADMIN_EMAILS"])
            }
        }
    }

    /// The summary for an admin (the stored role), else `403 forbidden`; the admin page shows the same.
    func summary(for user: String) async throws -> AnalyticsSummaryDTO {
        try await AdminRole(store: store).require(user, context: "could not compute analytics summary")
        let now = clock.now()
        let counts: EventCounts
        do { counts = try await store.eventCounts(since24h: now.adding(seconds: -86_400), since7d: now.adding(seconds: -7 * 86_400)) } catch {
            throw error.asInternal("could not compute analytics summary")
        }
        return AnalyticsSummaryDTO(now: now, day: counts.day, week: counts.week)
    }
}
