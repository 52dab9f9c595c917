import Domain
import Storage
import TestSupport
import Testing

/// `StoreMaintenance.prune`: exactly the rows outside their windows go, in many small batches, and trending, the
/// weekly digest's engaged battles and the admin summary answer the same afterwards (they read the aggregates,
/// which outlive the raw events).
@Suite struct RetentionConformance {
    static let day = 86_400.0

    /// What the engagement reads answer now, as comparable text.
    static func answers(_ f: StoreFixture, reader: String) async throws -> [String] {
        let now = f.now
        let fortnight = now.adding(seconds: -14 * day)
        let pool = try await f.store.trendingPool(since: fortnight, limit: 100).map {
            "trending \($0.candidate.battleID) \($0.candidate.shares) \($0.candidate.remixes)"
        }
        let weekly = try await f.store.weeklyEngagedBattles(engagementSince: fortnight, createdSince: now.adding(seconds: -7 * day)).map {
            "weekly \($0.candidate.battleID) \($0.candidate.shares) \($0.candidate.remixes)"
        }.sorted()
        let followed = try await f.store.feedCandidates(userID: reader, engagementSince: fortnight, templatesSince: fortnight).followed.map {
            "followed \($0.battleID) \($0.shares) \($0.remixes)"
        }
        let counts = try await f.store.eventCounts(since24h: now.adding(seconds: -day), since7d: now.adding(seconds: -7 * day))
        let summary = counts.day.map { "day \($0.key) \($0.value)" }.sorted() + counts.week.map { "week \($0.key) \($0.value)" }.sorted()
        let perDay = try await f.store.eventsPerDay(since: fortnight).map { "per-day \($0.day) \($0.count)" }
        return pool + weekly + followed + summary + perDay
    }

    @Test(arguments: StoreBackend.available)
    func pruningRemovesExactlyTheExpiredRowsAndLeavesTheEngagementAnswersAlone(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let maintenance = try #require(f.store as? any StoreMaintenance)
        let now = f.now
        let old = now.adding(seconds: -400 * Self.day)
        let reader = try await f.user("reader")
        let author = try await f.user("author")
        let persona = try await f.persona(of: author, draftQuota: 100, at: old)
        _ = try await f.store.follow(personaID: persona.id, slug: "p", ownerUserID: author.id, followerUserID: reader.id, now: now)
        var posts: [Post] = []
        for days in [300.0, 100, 20, 10, 5, 2, 0] { posts.append(try await f.publishedPost(by: persona, at: now.adding(seconds: -days * Self.day))) }

        // Events over 200 days, many more than a batch; the aggregates' windows (14 days) lie inside the retention (15).
        let actors = (0..<5).map { _ in anonymousActor() } + [reader.id]
        var rng = SeededGenerator(state: 7)
        var events: [EventRecord] = []
        for _ in 0..<400 {
            let at = now.adding(seconds: -Double.random(in: 0..<(200 * Self.day), using: &rng))
            let target = posts.randomElement(using: &rng)!.id
            let name = ["battle_shared", "remix_completed", "daily_return"].randomElement(using: &rng)!
            let actor = actors.randomElement(using: &rng)!
            events.append(
                EventRecord(
                    userID: actor == reader.id ? reader.id : nil, actor: actor, name: name,
                    metadata: name == "daily_return" ? [:] : ["battle_id": target], createdAt: at))
        }
        try await f.store.recordEvents(events)

        // Jobs: DONE long ago and recently; FAILED for good long ago; FAILED and still retrying long ago.
        let replier = try await f.persona(of: reader, name: "Replier", replyQuota: 1000, at: old)
        try await f.reply(to: posts[0], by: replier, at: now.adding(seconds: -8 * Self.day))
        try await f.reply(to: posts[1], by: replier, at: now.adding(seconds: -6 * Self.day))
        for (post, attempts) in [(posts[2], 3), (posts[3], 1)] {
            let at = now.adding(seconds: -30 * Self.day)
            try await f.enqueue(post, [replier], at: at)
            let job = try #require(try await f.store.claimJobs(limit: 1, policy: StoreFixture.policy, now: at).first)
            _ = try await f.store.failJob(job, attempts: attempts, error: "boom", availableAt: nil, now: at, claimNext: nil)
        }
        // LLM cache entries written 31 and 29 days ago.
        try await f.store.storeLLMResponse(key: "old", operation: "summary", response: "o", now: now.adding(seconds: -31 * Self.day))
        try await f.store.storeLLMResponse(key: "new", operation: "summary", response: "n", now: now.adding(seconds: -29 * Self.day))
        // Notifications: read and 181 days old (goes), unread and as old (stays), read and 179 days old (stays).
        var owners: [User] = []
        for (n, age) in [181.0, 181, 179].enumerated() {
            let owner = try await f.user("owner\(n)")
            let owned = try await f.persona(of: owner, name: "Owned \(n)", at: old)
            _ = try await f.store.follow(
                personaID: owned.id, slug: "o\(n)", ownerUserID: owner.id, followerUserID: author.id, now: now.adding(seconds: -age * Self.day))
            if n != 1 { _ = try await f.store.markAllNotificationsRead(userID: owner.id, now: now) }
            owners.append(owner)
        }

        let db = try await TestDatabase.open(f.dir)
        let cutoff = now.adding(seconds: -15 * Self.day).storageString
        let keptEvents = try await db.int("SELECT COUNT(*) FROM events WHERE created_at >= ?", [cutoff])
        let expiredEvents = try #require(try await db.int("SELECT COUNT(*) FROM events WHERE created_at < ?", [cutoff]))
        #expect(expiredEvents > 3 * 7, "several batches")
        let before = try await Self.answers(f, reader: reader.id)
        #expect(before.contains { $0.hasPrefix("trending ") } && before.contains { $0.hasPrefix("per-day ") })

        let policy = RetentionPolicy(jobDays: 7, eventDays: 15, llmCacheDays: 30, readNotificationDays: 180, maxAttempts: 3, batchSize: 7)
        let pruned = try await maintenance.prune(policy, now: now)
        #expect(pruned == PruneCounts(jobs: 2, events: expiredEvents, llmCache: 1, notifications: 1))
        #expect(try await Self.answers(f, reader: reader.id) == before)

        #expect(try await db.int("SELECT COUNT(*) FROM events WHERE created_at < ?", [cutoff]) == 0)
        #expect(try await db.int("SELECT COUNT(*) FROM events WHERE created_at >= ?", [cutoff]) == keptEvents)
        #expect(try await db.strings("SELECT status FROM jobs ORDER BY updated_at") == ["FAILED", "DONE"], "the retrying one and the recent one")
        #expect(try await f.store.cachedLLMResponse(key: "old") == nil)
        #expect(try await f.store.cachedLLMResponse(key: "new") == "n")
        let left = try await db.strings("SELECT user_id FROM notifications WHERE type = 'persona_followed' ORDER BY created_at")
        #expect(left == [owners[1].id, owners[2].id, author.id])
        #expect(try await f.store.notifications(userID: owners[1].id, limit: 5).unread == 1)

        // A second pass finds nothing more.
        #expect(try await maintenance.prune(policy, now: now) == PruneCounts())
        try await db.close()
    }
}

/// Sessions: every login adds a row, so the daily pass must take them away again — expired ones at once (their tokens
/// are refused by `exp` anyway), revoked ones after a day; a live session is never touched.
@Suite struct SessionRetentionConformance {
    @Test(arguments: StoreBackend.available)
    func expiredAndLongRevokedSessionsArePrunedAndLiveOnesStay(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let maintenance = try #require(f.store as? any StoreMaintenance)
        let now = f.now
        let user = try await f.user("sessions")
        let (live, expired, revokedLongAgo, revokedNow) = (Identifiers.newUUID(), Identifiers.newUUID(), Identifiers.newUUID(), Identifiers.newUUID())
        let day = 86_400.0
        try await f.store.createSession(id: live, userID: user.id, expiresAt: now.adding(seconds: day), now: now.adding(seconds: -3 * day))
        try await f.store.createSession(id: expired, userID: user.id, expiresAt: now.adding(seconds: -1), now: now.adding(seconds: -day))
        try await f.store.createSession(id: revokedLongAgo, userID: user.id, expiresAt: now.adding(seconds: day), now: now.adding(seconds: -3 * day))
        _ = try await f.store.revokeSession(id: revokedLongAgo, now: now.adding(seconds: -2 * day))
        try await f.store.createSession(id: revokedNow, userID: user.id, expiresAt: now.adding(seconds: day), now: now.adding(seconds: -day))
        _ = try await f.store.revokeSession(id: revokedNow, now: now)

        let counts = try await maintenance.prune(RetentionPolicy(maxAttempts: 3, batchSize: 1), now: now)
        #expect(counts.sessions == 2, "the expired session and the one revoked two days ago, not the one revoked today")
        #expect(try await f.store.activeSessionUser(id: live, now: now) == user.id)
        #expect(try await maintenance.prune(RetentionPolicy(maxAttempts: 3), now: now).sessions == 0, "nothing left to prune")
    }
}
