import Domain
import Storage

/// Reading digests: the stored rows, or the contract's placeholders when none exists yet.
struct DigestService: Sendable {
    let store: any DigestStore & PersonaStore
    let clock: any AppClock

    struct PersonaDigestView: Sendable {
        let personaID: String
        let date: String
        let summary: String
        let activity: PersonaDayActivity
        let updatedAt: Timestamp
        let exists: Bool
    }

    /// Today's digest (`latest == false`) or the latest one of the caller's persona.
    func personaDigest(personaID: String, userID: String, latest: Bool) async throws -> PersonaDigestView {
        let owned: Bool
        do { owned = try await store.persona(id: personaID, ownedBy: userID) != nil } catch { throw error.asInternal("could not check persona") }
        guard owned else { throw DomainError.notFound("persona not found") }
        let now = clock.now()
        let row: StoredPersonaDigest?
        do { row = try await store.personaDigest(personaID: personaID, date: latest ? nil : now.dateString) } catch {
            throw error.asInternal("could not load digest")
        }
        guard let row else {
            return PersonaDigestView(
                personaID: personaID, date: now.dateString, summary: DailyDigestRules.readPlaceholder,
                activity: PersonaDayActivity(posts: 0, replies: 0, threads: []), updatedAt: now, exists: false)
        }
        let activity = DailyDigestRules.decodeStats(row.stats)
        let summary = row.summary.trimmingWhitespace().isEmpty && !activity.hasActivity ? DailyDigestRules.readPlaceholder : row.summary
        return PersonaDigestView(personaID: personaID, date: row.date, summary: summary, activity: activity, updatedAt: row.updatedAt, exists: true)
    }

    struct WeeklyView: Sendable {
        let weekStart: String
        let generatedAt: Timestamp
        let items: [WeeklyDigestItem]
        let exists: Bool
        let isCurrentWeek: Bool
    }

    /// The current week's digest, else the latest, else an empty placeholder for this week.
    func weekly(userID: String) async throws -> WeeklyView {
        let now = clock.now()
        let current = WeeklyDigestRules.weekStartDate(now)
        let row: StoredWeeklyDigest?
        do { row = try await store.weeklyDigest(userID: userID, weekStart: current) } catch {
            throw error.asInternal("could not load weekly digest")
        }
        guard let row else { return WeeklyView(weekStart: current, generatedAt: now, items: [], exists: false, isCurrentWeek: false) }
        return WeeklyView(
            weekStart: row.weekStart, generatedAt: row.updatedAt, items: WeeklyDigestRules.decodeItems(row.items),
            exists: true, isCurrentWeek: row.weekStart == current)
    }
}
