import Domain
import Storage
import TestSupport
import Testing

/// `DigestStore`'s weekly user digests: which users are due, the lease that marks them checked, the fenced write,
/// and the ranking inputs.
@Suite struct WeeklyDigestConformance {
    static let sixHours = 6.0 * 3600

    func claim(_ f: StoreFixture, _ holder: String, lease: Double = 60, limit: Int = 10) async throws -> [String] {
        try await f.store.claimWeeklyDigests(
            weekStart: WeeklyDigestRules.weekStartDate(StoreFixture.start), now: f.now, staleBefore: f.now.adding(seconds: -Self.sixHours),
            holder: holder, lease: lease, limit: limit)
    }

    @Test(arguments: StoreBackend.available)
    func usersWithoutThisWeeksDigestAreDueOldestFirstAndAFinishMarksThemCheckedUntilItsTime(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let week = WeeklyDigestRules.weekStartDate(f.now)
        let first = try await f.store.createUser(email: "first@example.com", passwordHash: "h", now: f.now.adding(seconds: -2))
        let second = try await f.store.createUser(email: "second@example.com", passwordHash: "h", now: f.now.adding(seconds: -1))
        #expect(try await claim(f, "h1", limit: 1) == [first.id])
        #expect(try await claim(f, "h1") == [second.id])
        #expect(try await claim(f, "h2").isEmpty, "both held by h1")

        let written = try await f.store.finishWeeklyDigest(
            userID: first.id, weekStart: week, itemsJSON: #"[{"battle_id":"b"}]"#, holder: "h1", now: f.now,
            checkedUntil: f.now.adding(seconds: Self.sixHours))
        #expect(written == .written)
        #expect(
            try await f.store.weeklyDigest(userID: first.id, weekStart: week)
                == StoredWeeklyDigest(weekStart: week, items: #"[{"battle_id":"b"}]"#, updatedAt: f.now))
        let unchanged = try await f.store.finishWeeklyDigest(
            userID: first.id, weekStart: week, itemsJSON: #"[{"battle_id":"b"}]"#, holder: "h1", now: f.now,
            checkedUntil: f.now.adding(seconds: Self.sixHours))
        #expect(unchanged == .unchanged)

        f.advance(61)
        #expect(try await claim(f, "h2") == [second.id], "the unfinished user's lease expired; the finished one is checked for 6 h")
        f.advance(Self.sixHours)
        #expect(
            try await claim(f, "h3") == [second.id, first.id],
            "after 6 h a stale digest is due again, after the missing one (missing first, then the oldest)")
    }

    @Test(arguments: StoreBackend.available)
    func aWeeklyHolderThatLostItsLeaseWritesNothing(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let week = WeeklyDigestRules.weekStartDate(f.now)
        let user = try await f.user()
        #expect(try await claim(f, "h1") == [user.id])
        f.advance(60)
        #expect(try await claim(f, "h2") == [user.id], "an expired lease is taken over")
        let lost = try await f.store.finishWeeklyDigest(
            userID: user.id, weekStart: week, itemsJSON: "[\"stale\"]", holder: "h1", now: f.now, checkedUntil: f.now.adding(seconds: 3600))
        #expect(lost == .lostLease)
        #expect(try await f.store.weeklyDigest(userID: user.id, weekStart: week) == nil)
        let won = try await f.store.finishWeeklyDigest(
            userID: user.id, weekStart: week, itemsJSON: "[\"fresh\"]", holder: "h2", now: f.now, checkedUntil: f.now.adding(seconds: 3600))
        #expect(won == .written)
    }

    @Test(arguments: StoreBackend.available)
    func aWeeklyDigestIsThatWeeksElseTheLatest(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let user = try await f.user()
        var weeks: [String] = []
        for n in 0..<2 {
            let now = f.now.adding(seconds: Double(n) * 7 * 86_400)
            let week = WeeklyDigestRules.weekStartDate(now)
            let claimed = try await f.store.claimWeeklyDigests(
                weekStart: week, now: now, staleBefore: now.adding(seconds: -Self.sixHours), holder: "h", lease: 60, limit: 10)
            #expect(claimed == [user.id])
            #expect(
                try await f.store.finishWeeklyDigest(
                    userID: user.id, weekStart: week, itemsJSON: "[\(n)]", holder: "h", now: now, checkedUntil: now.adding(seconds: 60))
                    == .written)
            weeks.append(week)
        }
        #expect(weeks[0] != weeks[1])
        #expect(try await f.store.weeklyDigest(userID: user.id, weekStart: weeks[0])?.items == "[0]")
        #expect(try await f.store.weeklyDigest(userID: user.id, weekStart: "2000-01-03")?.weekStart == weeks[1], "else the latest")
        #expect(try await f.store.weeklyDigest(userID: Identifiers.newUUID(), weekStart: weeks[0]) == nil)
    }

    /// Race: weekly holders claiming concurrently never get the same user.
    @Test(arguments: StoreBackend.available)
    func concurrentWeeklyHoldersNeverClaimTheSameUser(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        var users: [String] = []
        for _ in 0..<30 { users.append(try await f.user().id) }
        let outcomes = await concurrently(8) { holder in
            var mine: [String] = []
            while true {
                let batch = try await claim(f, "holder-\(holder)", limit: 4)
                if batch.isEmpty { return mine }
                mine += batch
            }
        }
        let claimed = try outcomes.flatMap { try $0.get() }
        #expect(claimed.count == users.count)
        #expect(Set(claimed) == Set(users))
    }
}

/// `DigestStore`'s ranking inputs: engaged battles, one user's inputs, a battle's first replies.
@Suite struct DigestInputsConformance {
    @Test(arguments: StoreBackend.available)
    func engagedBattlesCountSharesAndRemixesInTheWindowOfBattlesCreatedInIt(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let author = try await f.user("author")
        let engaged = try await f.battle(by: author, topic: "Engaged", at: f.now.adding(seconds: -3600)).post
        let outside = try await f.battle(by: author, topic: "Old shares", at: f.now.adding(seconds: -3600)).post
        let old = try await f.battle(by: author, topic: "Old battle", at: f.now.adding(seconds: -10 * 86_400)).post
        let recent = f.now.adding(seconds: -1800)
        let week = f.now.adding(seconds: -7 * 86_400)
        try await f.store.recordEvents([
            EventRecord(userID: nil, actor: anonymousActor(), name: "battle_shared", metadata: ["battle_id": engaged.id], createdAt: recent),
            EventRecord(userID: nil, actor: anonymousActor(), name: "battle_shared", metadata: ["battle_id": engaged.id], createdAt: recent),
            EventRecord(
                userID: nil, actor: anonymousActor(), name: "remix_completed",
                metadata: ["battle_id": Identifiers.newUUID(), "source_battle_id": engaged.id],
                createdAt: recent),
            EventRecord(userID: nil, actor: anonymousActor(), name: "public_battle_viewed", metadata: ["battle_id": engaged.id], createdAt: recent),
            EventRecord(
                userID: nil, actor: anonymousActor(), name: "battle_shared", metadata: ["battle_id": outside.id], createdAt: week.adding(seconds: -1)),
            EventRecord(userID: nil, actor: anonymousActor(), name: "battle_shared", metadata: ["battle_id": old.id], createdAt: recent),
        ])
        let battles = try await f.store.weeklyEngagedBattles(engagementSince: week, createdSince: week)
        #expect(battles.map(\.candidate.battleID) == [engaged.id])
        let battle = try #require(battles.first)
        #expect(battle.candidate.shares == 2 && battle.candidate.remixes == 1 && !battle.candidate.followed)
        #expect(battle.ownerID == author.id && battle.personaID == nil && battle.candidate.content == engaged.content)
        let room = try await f.room()
        #expect(battle.candidate.roomName == room.name && battle.candidate.createdAt == engaged.createdAt)
    }

    @Test(arguments: StoreBackend.available)
    func aUsersInputsAreWhatTheySawWhomTheyFollowAndThisWeeksPostsOfOthers(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let author = try await f.user("author")
        let persona = try await f.persona(of: author)
        let reader = try await f.user("reader")
        let lastWeek = try await f.publishedPost(by: persona, content: "Old.", at: f.now.adding(seconds: -8 * 86_400))
        let followedPost = try await f.publishedPost(by: persona, content: "This week.", at: f.now.adding(seconds: -86_400))
        let viewed = try await f.battle(by: author, at: f.now.adding(seconds: -7200)).post
        let own = try await f.battle(by: reader, at: f.now.adding(seconds: -3600)).post
        _ = try await f.store.follow(personaID: persona.id, slug: "ada", ownerUserID: author.id, followerUserID: reader.id, now: f.now)
        let recent = f.now.adding(seconds: -600)
        try await f.store.recordEvents([
            EventRecord(userID: reader.id, actor: reader.id, name: "public_battle_viewed", metadata: ["battle_id": viewed.id], createdAt: recent),
            EventRecord(userID: reader.id, actor: reader.id, name: "notification_clicked", metadata: [:], createdAt: recent),
            EventRecord(
                userID: author.id, actor: author.id, name: "public_battle_viewed", metadata: ["battle_id": followedPost.id], createdAt: recent),
            EventRecord(
                userID: reader.id, actor: reader.id, name: "public_battle_viewed", metadata: ["battle_id": lastWeek.id],
                createdAt: f.now.adding(seconds: -15 * 86_400)),
        ])
        let inputs = try await f.store.weeklyUserInputs(userID: reader.id, now: f.now)
        #expect(inputs.seen == [viewed.id], "the reader's own recent views only; a click without a battle sees nothing")
        #expect(inputs.followedPersonas == [persona.id])
        #expect(Set(inputs.extra.map(\.candidate.battleID)) == [followedPost.id, viewed.id], "this week's posts of others")
        #expect(!inputs.extra.contains { $0.candidate.battleID == own.id || $0.candidate.battleID == lastWeek.id })
        #expect(inputs.extra.first { $0.candidate.battleID == followedPost.id }?.personaID == persona.id)
    }

    @Test(arguments: StoreBackend.available)
    func firstRepliesAreTheOldestUpToTheLimit(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        for n in 0..<3 {
            let persona = n == 0 ? scene.persona : try await f.persona(of: scene.user, name: "P\(n)")
            try await f.reply(to: scene.post, by: persona, content: "Reply \(n).", at: f.now.adding(seconds: Double(n)))
        }
        #expect(try await f.store.firstReplies(postID: scene.post.id, limit: 2).map(\.content) == ["Reply 0.", "Reply 1."])
        #expect(try await f.store.firstReplies(postID: scene.post.id, limit: 10).count == 3)
        #expect(try await f.store.firstReplies(postID: Identifiers.newUUID(), limit: 10).isEmpty)
    }
}
