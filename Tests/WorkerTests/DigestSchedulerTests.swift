import Domain
import LLM
import Logging
import Storage
import TestSupport
import Testing
import Worker

/// The digest scheduler on a real database (SQLite unless told otherwise) with a manual clock: UTC day and ISO-week
/// boundaries, unchanged rows left alone, provider failures keeping the previous digest, and the lease between processes.
@Suite struct DigestSchedulerTests {
    /// A database with one user, two personas and posts, and a scheduler over it.
    struct Harness {
        let dir: TestDirectory
        let clock: ManualClock
        let database: any AppStore & DemoSeeder
        /// The rows behind `database`: activity and events written as other processes would, and the stored digests.
        let sql: TestDatabase
        let ids: (user: String, personas: [String], posts: [String])
        let llm: FlakyLLM

        init(start: Timestamp, backend: StoreBackend = .sqlite) async throws {
            clock = ManualClock(start)
            dir = TestDirectory(backend: backend)
            database = try await backend.makeStore(in: dir, now: start)
            sql = try await TestDatabase.open(dir)
            ids = try await Fixtures.seed(database, personas: 2, posts: 3, now: start)
            llm = FlakyLLM(MockLLM(caps: .init(draft: 500, reply: 280, summary: 400), latency: 0))
        }

        func scheduler(llm: (any LLMClient)? = nil) -> DigestScheduler {
            var logger = Logger(label: "digest-test")
            logger.logLevel = .critical
            return DigestScheduler(
                store: database, llm: llm ?? self.llm, clock: clock,
                settings: .init(interval: 1, summaryMaxLength: 400), logger: logger)
        }

        func activity(_ persona: Int, _ type: String, post: Int) async throws {
            try await sql.execute(
                "INSERT INTO persona_activity_events(persona_id, type, metadata, created_at) VALUES (?, ?, ?, ?)",
                [ids.personas[persona], type, StoredJSON.object(["post_id": ids.posts[post]]), clock.now().storageString])
        }

        /// Each stored daily digest as column → text.
        func digests() async throws -> [[String: String]] {
            try await rows("SELECT persona_id, date, summary, stats, updated_at FROM persona_digests ORDER BY date, persona_id")
        }

        func rows(_ query: String) async throws -> [[String: String]] {
            try await sql.rows(query).map { row in row.mapValues { $0 ?? "" } }
        }
    }

    /// 2026-12-31 23:59:00 UTC, a Thursday.
    static let newYearsEve = Timestamp(seconds: 1_798_761_540)

    @Test func dailyDigestsFollowTheUTCDayAndSkipIdlePersonasAndUnchangedRows() async throws {
        let h = try await Harness(start: Self.newYearsEve)
        try await h.activity(0, "post_created", post: 0)
        try await h.activity(0, "thread_participated", post: 0)
        let scheduler = h.scheduler()
        #expect(await scheduler.tick().daily == 1, "only the persona with activity today gets a row")
        var rows = try await h.digests()
        #expect(rows.count == 1 && rows[0]["date"] == "2026-12-31")
        #expect((rows[0]["stats"] ?? "").contains(#""posts":1"#))
        #expect(await scheduler.tick().daily == 0, "nothing new, nothing rewritten")
        #expect(try await h.digests()[0]["updated_at"] == rows[0]["updated_at"])

        h.clock.advance(seconds: 120) // 2027-01-01 00:01 UTC: a new day, yesterday's activity no longer counts
        #expect(await scheduler.tick().daily == 0)
        try await h.activity(0, "reply_generated", post: 1)
        try await h.activity(1, "post_created", post: 2)
        #expect(await scheduler.tick().daily == 2)
        rows = try await h.digests()
        #expect(rows.map { $0["date"] ?? "" } == ["2026-12-31", "2027-01-01", "2027-01-01"])
        let newDay = rows.filter { $0["date"] == "2027-01-01" && $0["persona_id"] == h.ids.personas[0] }
        #expect(newDay.first?["stats"]?.contains(#""replies":1"#) == true)
        #expect(newDay.first?["stats"]?.contains(#""posts":0"#) == true, "the day boundary is UTC midnight")
    }

    @Test func aProviderFailureKeepsThePreviousDigestAndALaterTickRetries() async throws {
        let h = try await Harness(start: Timestamp(seconds: 1_798_000_000))
        try await h.activity(0, "post_created", post: 0)
        let scheduler = h.scheduler()
        #expect(await scheduler.tick().daily == 1)
        let before = try await h.digests()[0]["summary"]
        h.clock.advance(seconds: 1)
        try await h.activity(0, "reply_generated", post: 1)
        h.llm.failing = true
        #expect(await scheduler.tick().daily == 0)
        #expect(try await h.digests()[0]["summary"] == before, "the previous digest stays in place")
        h.llm.failing = false
        #expect(await scheduler.tick().daily == 0, "the failed subject's lease has not expired yet")
        h.clock.advance(seconds: 601)
        #expect(await scheduler.tick().daily == 1, "retried once the lease expires")
        #expect((try await h.digests()[0]["stats"] ?? "").contains(#""replies":1"#))
    }

    @Test func activityArrivingWhileASummaryIsWrittenMakesTheDigestDueAgain() async throws {
        let h = try await Harness(start: Timestamp(seconds: 1_798_000_000))
        try await h.activity(0, "post_created", post: 0)
        // The provider is slow: a reply lands (and time passes) while the summary is being written.
        h.llm.during = {
            h.clock.advance(seconds: 1)
            try? await h.activity(0, "reply_generated", post: 1)
            h.clock.advance(seconds: 1)
        }
        let scheduler = h.scheduler()
        #expect(await scheduler.tick().daily == 1)
        #expect((try await h.digests()[0]["stats"] ?? "").contains(#""replies":0"#), "the first digest is the snapshot it read")
        h.llm.during = nil
        #expect(await scheduler.tick().daily == 0, "the digest is younger than the refresh age")
        h.clock.advance(seconds: 58)
        #expect(await scheduler.tick().daily == 1, "the reply that arrived meanwhile is newer than the digest, now a minute old")
        #expect((try await h.digests()[0]["stats"] ?? "").contains(#""replies":1"#))
    }

    /// Passes follow `WORKER_POLL_EVERY` (the settings' interval) but come at most once a second: a lowered job poll
    /// must not multiply the digest passes, each of which reads the recent activity of every persona.
    @Test func passesFollowThePollIntervalButComeAtMostOnceASecond() {
        #expect(DigestScheduler.Settings(interval: 3, summaryMaxLength: 400).passInterval == 3)
        #expect(DigestScheduler.Settings(interval: 0.05, summaryMaxLength: 400).passInterval == 1)
        var settings = DigestScheduler.Settings(interval: 0.05, summaryMaxLength: 400)
        settings.minimumInterval = 0
        #expect(settings.passInterval == 0.05)
    }

    /// The first pass looks at all of today's activity, and so does one every `dailyFullLookEvery` (or after the clock
    /// went back); the passes between look at the last `dailyRecentWindow` only.
    @Test func theFirstPassAndOneEveryFullLookIntervalLookAtAllOfToday() {
        let settings = DigestScheduler.Settings(interval: 3, summaryMaxLength: 400)
        let last = Timestamp(seconds: 1_798_000_000)
        #expect(settings.isFullLook(now: last, lastFullLook: nil))
        #expect(!settings.isFullLook(now: last.adding(seconds: 599), lastFullLook: last))
        #expect(settings.isFullLook(now: last.adding(seconds: 600), lastFullLook: last))
        #expect(settings.isFullLook(now: last.adding(seconds: -1), lastFullLook: last), "the clock went back")
    }

    /// A persona left due with activity older than the recent window (its summary failed, and its lease had to expire
    /// first) is not seen by the passes between full looks; the next full look finds it.
    @Test func aPersonaLeftDueWithOlderActivityIsFoundByTheNextFullLook() async throws {
        let h = try await Harness(start: Timestamp(seconds: 1_798_000_000))
        try await h.activity(0, "post_created", post: 0)
        let scheduler = h.scheduler()
        h.llm.failing = true
        #expect(await scheduler.tick().daily == 0, "the provider failed")
        h.llm.failing = false
        h.clock.advance(seconds: 601)
        #expect(await scheduler.tick(fullLook: false).daily == 0, "its activity is 601 s old, outside the 600 s window")
        #expect(try await h.digests().isEmpty)
        #expect(await scheduler.tick().daily == 1, "the full look finds it")
    }

    /// A busy persona is summarised at most once per refresh age (a minute), however often the scheduler passes and
    /// however much activity arrives: each summary with activity is a provider call. The refreshes are found by the
    /// passes between full looks, which read the recent activity only.
    @Test func aBusyPersonasDigestIsRefreshedAtMostOncePerRefreshAge() async throws {
        let h = try await Harness(start: Timestamp(seconds: 1_798_000_000))
        try await h.activity(0, "post_created", post: 0)
        let scheduler = h.scheduler()
        #expect(await scheduler.tick().daily == 1, "the first digest of the day at the first pass")
        var written = 1
        for second in 1...180 {
            h.clock.advance(seconds: 1)
            try await h.activity(0, "reply_generated", post: 1 + second % 2)
            written += await scheduler.tick(fullLook: false).daily
            if second == 59 { #expect(written == 1, "no refresh within the first minute") }
            if second == 60 { #expect(written == 2, "refreshed once the digest is a minute old") }
        }
        #expect(written == 4, "a pass every second for three minutes of activity: three refreshes, one a minute")
        #expect(h.llm.summaries == 4)
    }

    @Test func twoSchedulersOnOneFileNeverWriteTheSameDigestTwice() async throws {
        let h = try await Harness(start: Timestamp(seconds: 1_798_000_000))
        for n in 0..<2 { try await h.activity(n, "post_created", post: n) }
        let other = try await h.dir.backend.makeStore(in: h.dir, now: h.clock.now())
        var logger = Logger(label: "digest-test")
        logger.logLevel = .critical
        let a = h.scheduler()
        let b = DigestScheduler(store: other, llm: h.llm, clock: h.clock, settings: .init(interval: 1, summaryMaxLength: 400), logger: logger)
        async let first = a.tick()
        async let second = b.tick()
        let (x, y) = await (first, second)
        #expect(x.daily + y.daily == 2, "each persona's digest written once in all")
        #expect(x.weekly + y.weekly == 1, "the one user's weekly digest written once")
        #expect(try await h.digests().count == 2)
    }

    @Test func weeklyDigestsUseTheISOWeekAcrossAYearEndAndAreNotRewrittenWhenUnchanged() async throws {
        let h = try await Harness(start: Self.newYearsEve)
        let scheduler = h.scheduler()
        let reader = try await h.database.seedSyntheticLoad(personas: 0, posts: 0, replyQuota: 1, now: h.clock.now()).user
        // A seen-set event with no battle key (a notification click) must not break the pass; a viewed battle is left out.
        let now = h.clock.now().storageString
        try await h.sql.execute(
            "INSERT INTO events(user_id, event_name, metadata, created_at) VALUES (?, 'notification_clicked', '{}', ?)", [reader, now])
        try await h.sql.execute(
            "INSERT INTO events(user_id, event_name, metadata, created_at) VALUES (?, 'public_battle_viewed', ?, ?)",
            [reader, StoredJSON.object(["battle_id": h.ids.posts[1]]), now])
        #expect(await scheduler.tick().weekly == 2, "both users get this week's row")
        let weeks = try await h.sql.strings("SELECT DISTINCT week_start FROM weekly_digests")
        #expect(weeks == ["2026-12-28"], "Thursday 2026-12-31 is in the week starting Monday 2026-12-28")
        let items = try await h.sql.string("SELECT items FROM weekly_digests WHERE user_id = ?", [reader])
        #expect(items?.contains(h.ids.posts[0]) == true, "another user's fresh battles are candidates")
        #expect(items?.contains(h.ids.posts[1]) == false, "a battle the reader already viewed is not suggested")
        let before = try await h.rows("SELECT user_id, updated_at FROM weekly_digests")
        #expect(await scheduler.tick().weekly == 0, "checked within the last 6 h")
        h.clock.advance(seconds: 7 * 3600)
        #expect(await scheduler.tick().weekly == 1, "after 6 h both are recomputed; only the reader's changed (its battles aged)")
        let after6h = try await h.rows("SELECT user_id, updated_at FROM weekly_digests")
        let unchanged = before.first { $0["user_id"] == h.ids.user }?["updated_at"]
        #expect(
            after6h.first { $0["user_id"] == h.ids.user }?["updated_at"] == unchanged,
            "the author's empty digest is not rewritten")
        h.clock.advance(seconds: 4 * 86_400) // Monday 2027-01-04 (ISO week 1 of 2027)
        _ = await scheduler.tick()
        let after = try await h.sql.strings("SELECT DISTINCT week_start FROM weekly_digests ORDER BY 1")
        #expect(after == ["2026-12-28", "2027-01-04"])
    }
}

/// An LLM that can be made to fail.
final class FlakyLLM: LLMClient, @unchecked Sendable {
    let inner: any LLMClient
    var failing = false
    /// Runs inside the persona-activity summary call, to simulate work landing while the provider is busy.
    var during: (@Sendable () async -> Void)?
    /// Persona-activity summaries asked of the provider.
    private(set) var summaries = 0
    init(_ inner: any LLMClient) { self.inner = inner }
    func check() throws { if failing { throw LLMError("provider down", retryable: true) } }
    func generatePostDraft(persona: LLMPersona, room: LLMRoom) async throws -> String {
        try check()
        return try await inner.generatePostDraft(persona: persona, room: room)
    }
    func generateReply(persona: LLMPersona, post: LLMText, thread: [LLMText], template: LLMTemplate?) async throws -> String {
        try check()
        return try await inner.generateReply(persona: persona, post: post, thread: thread, template: template)
    }
    func summarizeThread(post: LLMText, replies: [LLMText]) async throws -> String {
        try check()
        return try await inner.summarizeThread(post: post, replies: replies)
    }
    func summarizePersonaActivity(persona: LLMPersona, posts: Int, replies: Int, threads: [LLMThreadActivity]) async throws -> String {
        summaries += 1
        try check()
        if let during { await during() }
        return try await inner.summarizePersonaActivity(persona: persona, posts: posts, replies: replies, threads: threads)
    }
}
