import Domain
import Storage
import TestSupport
import Testing

/// `DigestStore`'s daily persona digests: which personas are due, the day's activity they are claimed with, the
/// fenced write, and the stored digests.
@Suite struct DailyDigestConformance {
    @Test(arguments: StoreBackend.available)
    func aPersonaWithActivityTodayIsDueUntilItsDigestIsWrittenAndAgainAfterNewActivity(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let active = try await f.persona(of: owner, name: "Active")
        _ = try await f.persona(of: owner, name: "Idle")
        let post = try await f.publishedPost(by: active, content: "Today's post.")
        f.advance(10)
        let work = try await f.store.claimDailyDigests(now: f.now, holder: "h1", lease: 60, limit: 10)
        #expect(work.map(\.persona.id) == [active.id], "a persona without activity today needs no row")
        let item = try #require(work.first)
        #expect(item.persona.name == "Active" && item.language == "en" && item.date == f.now.dateString && item.claimedAt == f.now)
        #expect(item.existing == nil)
        let activity = try await f.store.personaDayActivity(personaID: active.id, since: DailyQuota.windowStart(item.claimedAt))
        #expect(activity.posts == 1 && activity.replies == 0)
        #expect(activity.threads.map(\.postID) == [post.id])
        #expect(try await f.store.claimDailyDigests(now: f.now, holder: "h2", lease: 60, limit: 10).isEmpty, "held by h1")

        let write = try await f.store.finishDailyDigest(
            personaID: active.id, date: item.date, summary: "A busy day.", stats: #"{"posts":1}"#, holder: "h1", snapshotAt: item.claimedAt,
            now: f.now)
        #expect(write == .written)
        let stored = StoredPersonaDigest(date: item.date, summary: "A busy day.", stats: #"{"posts":1}"#, updatedAt: item.claimedAt)
        #expect(try await f.store.personaDigest(personaID: active.id, date: item.date) == stored)
        #expect(
            try await f.store.claimDailyDigests(now: f.now, holder: "h2", lease: 60, limit: 10).isEmpty, "written and not older than the activity")

        f.advance(10)
        _ = try await f.publishedPost(by: active, content: "Another.")
        f.advance(10)
        let again = try #require(try await f.store.claimDailyDigests(now: f.now, holder: "h2", lease: 60, limit: 10).first, "the lease was released")
        #expect(try await f.store.personaDayActivity(personaID: active.id, since: DailyQuota.windowStart(again.claimedAt)).posts == 2)
        #expect(again.existing?.summary == "A busy day." && again.existing?.stats == #"{"posts":1}"#)
        let unchanged = try await f.store.finishDailyDigest(
            personaID: active.id, date: again.date, summary: "A busy day.", stats: #"{"posts":1}"#, holder: "h2", snapshotAt: again.claimedAt,
            now: f.now)
        #expect(unchanged == .unchanged)
        #expect(try await f.store.personaDigest(personaID: active.id, date: nil)?.updatedAt == again.claimedAt, "only the freshness moved")
        #expect(try await f.store.claimDailyDigests(now: f.now, holder: "h3", lease: 60, limit: 10).isEmpty)
    }

    /// A written digest with newer activity is due again only once it was written at or before `staleBefore` (the
    /// scheduler's refresh age); a persona's first digest of the day is due whatever `staleBefore` says.
    @Test(arguments: StoreBackend.available)
    func newActivityMakesAWrittenDigestDueOnlyOnceItIsOlderThanTheRefreshAge(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let written = try await f.persona(of: owner, name: "Written")
        _ = try await f.publishedPost(by: written)
        f.advance(1)
        let item = try #require(
            try await f.store.claimDailyDigests(now: f.now, holder: "h", lease: 60, limit: 10, staleBefore: f.now.adding(seconds: -60)).first,
            "the first digest of the day does not wait for the refresh age")
        let writtenAt = item.claimedAt
        #expect(
            try await f.store.finishDailyDigest(
                personaID: written.id, date: item.date, summary: "One post.", stats: #"{"posts":1}"#, holder: "h", snapshotAt: writtenAt,
                now: f.now) == .written)
        f.advance(1)
        _ = try await f.publishedPost(by: written, content: "Another.")
        let fresh = try await f.persona(of: owner, name: "Fresh")
        _ = try await f.publishedPost(by: fresh)
        f.advance(1)
        func due(staleBefore: Timestamp) async throws -> [String] {
            let work = try await f.store.claimDailyDigests(now: f.now, holder: "h", lease: 60, limit: 10, staleBefore: staleBefore)
            for item in work {
                _ = try await f.store.finishDailyDigest(
                    personaID: item.persona.id, date: item.date, summary: "s", stats: "{}", holder: "h", snapshotAt: item.claimedAt, now: f.now)
            }
            return work.map(\.persona.id)
        }
        #expect(try await due(staleBefore: writtenAt.adding(seconds: -1)) == [fresh.id], "written after staleBefore: not due yet")
        #expect(try await due(staleBefore: writtenAt) == [written.id], "written at staleBefore, older than its activity: due")
    }

    @Test(arguments: StoreBackend.available)
    func duePersonasAreClaimedOldestFirstUpToTheLimit(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        var personas: [Persona] = []
        for n in 0..<3 { personas.append(try await f.persona(of: owner, name: "P\(n)", at: f.now.adding(seconds: Double(-n)))) }
        for persona in personas { _ = try await f.publishedPost(by: persona) }
        let first = try await f.store.claimDailyDigests(now: f.now, holder: "h", lease: 60, limit: 2)
        #expect(first.map(\.persona.id) == [personas[2].id, personas[1].id], "personas without a digest, oldest first")
        #expect(try await f.store.claimDailyDigests(now: f.now, holder: "h", lease: 60, limit: 2).map(\.persona.id) == [personas[0].id])
    }

    @Test(arguments: StoreBackend.available)
    func yesterdaysActivityDoesNotMakeTodaysDigestDue(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let persona = try await f.persona(of: try await f.user())
        _ = try await f.publishedPost(by: persona, at: f.now.startOfDay.adding(seconds: -1))
        #expect(try await f.store.claimDailyDigests(now: f.now, holder: "h", lease: 60, limit: 10).isEmpty)
    }

    /// A look from `activitySince` finds only the personas with activity since then, and never reaches before today's
    /// start; the day read for the persona it claims is the whole day's activity, not only the window's.
    @Test(arguments: StoreBackend.available)
    func aLookFromActivitySinceSeesOnlyPersonasActiveSinceThenAndAFullLookSeesTheRest(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let yesterday = try await f.persona(of: owner, name: "Yesterday")
        _ = try await f.publishedPost(by: yesterday, at: f.now.startOfDay.adding(seconds: -1))
        let earlier = try await f.persona(of: owner, name: "Earlier")
        _ = try await f.publishedPost(by: earlier)
        f.advance(700)
        let recent = try await f.persona(of: owner, name: "Recent")
        _ = try await f.publishedPost(by: recent, at: f.now.adding(seconds: -650))
        _ = try await f.publishedPost(by: recent)
        f.advance(1)
        func look(since: Timestamp, holder: String) async throws -> [DailyDigestWork] {
            try await f.store.claimDailyDigests(now: f.now, holder: holder, lease: 60, limit: 10, staleBefore: f.now, activitySince: since)
        }
        let windowed = try await look(since: f.now.adding(seconds: -600), holder: "a")
        #expect(windowed.map(\.persona.id) == [recent.id], "activity 701 s ago is outside a 600 s window")
        let day = try await f.store.personaDayActivity(personaID: recent.id, since: DailyQuota.windowStart(try #require(windowed.first).claimedAt))
        #expect(day.posts == 2, "the claimed persona's whole day, not only the window's")
        let full = try await look(since: f.now.adding(seconds: -2 * 86_400), holder: "b")
        #expect(full.map(\.persona.id) == [earlier.id], "from before today: today's start; the recent persona is leased to a")
    }

    /// A persona's day is read from `since` on: yesterday's activity is not today's.
    @Test(arguments: StoreBackend.available)
    func aPersonasDayActivityCountsOnlyWhatHappenedSinceTheDaysStart(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner, name: "Busy")
        _ = try await f.publishedPost(by: persona, at: f.now.startOfDay.adding(seconds: -1))
        _ = try await f.publishedPost(by: persona, at: f.now.startOfDay)
        _ = try await f.publishedPost(by: persona)
        #expect(try await f.store.personaDayActivity(personaID: persona.id, since: f.now.startOfDay).posts == 2)
        #expect(try await f.store.personaDayActivity(personaID: persona.id, since: f.now.startOfDay.adding(seconds: -86_400)).posts == 3)
        #expect(try await f.store.personaDayActivity(personaID: "not-an-id", since: f.now.startOfDay) == PersonaDayActivity())
    }

    @Test(arguments: StoreBackend.available)
    func aStoredDigestIsFoundByDateOrAsTheLatest(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let persona = try await f.persona(of: try await f.user())
        var dates: [String] = []
        for day in 0..<2 {
            let now = f.now.adding(seconds: Double(day) * 86_400)
            _ = try await f.publishedPost(by: persona, at: now)
            let item = try #require(try await f.store.claimDailyDigests(now: now, holder: "h", lease: 60, limit: 1).first)
            #expect(
                try await f.store.finishDailyDigest(
                    personaID: persona.id, date: item.date, summary: "Day \(day)", stats: "{}", holder: "h", snapshotAt: now, now: now)
                    == .written)
            dates.append(item.date)
        }
        #expect(try await f.store.personaDigest(personaID: persona.id, date: dates[0])?.summary == "Day 0")
        #expect(try await f.store.personaDigest(personaID: persona.id, date: nil)?.summary == "Day 1")
        #expect(try await f.store.personaDigest(personaID: persona.id, date: "2000-01-01") == nil)
        #expect(try await f.store.personaDigest(personaID: Identifiers.newUUID(), date: nil) == nil)
    }
}
