import Domain
import Logging
import Storage
import TestSupport
import Testing
import Worker

/// The daily digests when the read after a claim fails: the scheduler gives its leases back, so the next pass retries
/// at once instead of after the lease's ten minutes, and a full look that failed is not counted as one.
@Suite struct DigestReadFailureTests {
    @Test func aFailedActivityReadGivesTheLeasesBackAndTheNextPassWritesThem() async throws {
        let h = try await DigestSchedulerTests.Harness(start: Timestamp(seconds: 1_798_000_000))
        for n in 0..<2 { try await h.activity(n, "post_created", post: n) }
        let store = ActivityReadFault(h.database)
        var logger = Logger(label: "digest-test")
        logger.logLevel = .critical
        let scheduler = DigestScheduler(store: store, llm: h.llm, clock: h.clock, settings: .init(interval: 1, summaryMaxLength: 400), logger: logger)
        store.failing = true
        let failed = await scheduler.tick()
        #expect(failed.daily == 0 && !failed.dailyLooked, "the pass ended at the failed read")
        #expect(store.reads == 1, "the first read failed; the second persona was not read")
        #expect(try await h.digests().isEmpty)
        store.failing = false
        let retried = await scheduler.tick()
        #expect(retried.daily == 2 && retried.dailyLooked, "both leases were given back: no wait for their expiry")
        #expect(try await h.digests().count == 2)
    }

    @Test func onlyAFullLookThatRanToTheEndMovesTheLastFullLook() {
        let settings = DigestScheduler.Settings(interval: 3, summaryMaxLength: 400)
        let earlier = Timestamp(seconds: 1_798_000_000)
        let now = earlier.adding(seconds: 600)
        let looked = DigestScheduler.Pass(dailyLooked: true)
        let failed = DigestScheduler.Pass(dailyLooked: false)
        #expect(settings.lastFullLook(after: looked, fullLook: true, at: now, previous: earlier) == now)
        #expect(settings.lastFullLook(after: failed, fullLook: true, at: now, previous: earlier) == earlier, "the next pass looks again")
        #expect(settings.lastFullLook(after: failed, fullLook: true, at: now, previous: nil) == nil)
        #expect(settings.lastFullLook(after: looked, fullLook: false, at: now, previous: earlier) == earlier, "a recent look is not a full one")
        let afterFailure = settings.lastFullLook(after: failed, fullLook: true, at: now, previous: earlier)
        #expect(settings.isFullLook(now: now.adding(seconds: 3), lastFullLook: afterFailure))
    }
}

/// A digest store whose `personaDayActivity` throws while `failing`, as a database that stopped answering after the
/// claim; everything else goes to the real store.
final class ActivityReadFault: DigestStore, @unchecked Sendable {
    struct ReadFailed: Error {}
    let inner: any DigestStore
    var failing = false
    private(set) var reads = 0
    init(_ inner: any DigestStore) { self.inner = inner }

    func personaDayActivity(personaID: String, since: Timestamp) async throws -> PersonaDayActivity {
        reads += 1
        if failing { throw ReadFailed() }
        return try await inner.personaDayActivity(personaID: personaID, since: since)
    }
    func claimDailyDigests(
        now: Timestamp, holder: String, lease: Double, limit: Int, staleBefore: Timestamp, activitySince: Timestamp
    ) async throws -> [DailyDigestWork] {
        try await inner.claimDailyDigests(
            now: now, holder: holder, lease: lease, limit: limit, staleBefore: staleBefore, activitySince: activitySince)
    }
    func releaseDailyDigests(personaIDs: [String], date: String, holder: String) async throws {
        try await inner.releaseDailyDigests(personaIDs: personaIDs, date: date, holder: holder)
    }
    func finishDailyDigest(
        personaID: String, date: String, summary: String, stats: String, holder: String, snapshotAt: Timestamp, now: Timestamp
    ) async throws -> DigestWrite {
        try await inner.finishDailyDigest(
            personaID: personaID, date: date, summary: summary, stats: stats, holder: holder, snapshotAt: snapshotAt, now: now)
    }
    func personaDigest(personaID: String, date: String?) async throws -> StoredPersonaDigest? {
        try await inner.personaDigest(personaID: personaID, date: date)
    }
    func claimWeeklyDigests(
        weekStart: String, now: Timestamp, staleBefore: Timestamp, holder: String, lease: Double, limit: Int
    ) async throws -> [String] {
        try await inner.claimWeeklyDigests(weekStart: weekStart, now: now, staleBefore: staleBefore, holder: holder, lease: lease, limit: limit)
    }
    func weeklyEngagedBattles(engagementSince: Timestamp, createdSince: Timestamp) async throws -> [WeeklyPost] {
        try await inner.weeklyEngagedBattles(engagementSince: engagementSince, createdSince: createdSince)
    }
    func weeklyUserInputs(userID: String, now: Timestamp) async throws -> WeeklyUserInputs {
        try await inner.weeklyUserInputs(userID: userID, now: now)
    }
    func firstReplies(postID: String, limit: Int) async throws -> [LLMText] {
        try await inner.firstReplies(postID: postID, limit: limit)
    }
    func finishWeeklyDigest(
        userID: String, weekStart: String, itemsJSON: String, holder: String, now: Timestamp, checkedUntil: Timestamp
    ) async throws -> DigestWrite {
        try await inner.finishWeeklyDigest(
            userID: userID, weekStart: weekStart, itemsJSON: itemsJSON, holder: holder, now: now, checkedUntil: checkedUntil)
    }
    func weeklyDigest(userID: String, weekStart: String) async throws -> StoredWeeklyDigest? {
        try await inner.weeklyDigest(userID: userID, weekStart: weekStart)
    }
    func purgeDigestLeases(before: Timestamp) async throws { try await inner.purgeDigestLeases(before: before) }
}
