import Domain
import Storage
import TestSupport
import Testing

/// Trending, weekly digests and the admin summary read incrementally maintained aggregates; on a randomized history
/// (floods from one actor, unpublished and unknown battles, events on both sides of UTC midnight and of each window's
/// start, batches written out of time order) they answer exactly what counting the raw events gives.
@Suite struct EngagementAggregateConformance {
    static let names = ["battle_shared", "remix_completed", "daily_return", "public_battle_viewed", "follow_click"]

    /// A history of `count` events over the last 16 days by `actors` about `targets`, plus a flood.
    static func history(
        seed: UInt64, count: Int, now: Timestamp, actors: [(actor: String, userID: String?)], targets: [String], flood: (String, String)
    ) -> [EventRecord] {
        var rng = SeededGenerator(state: seed)
        let midnight = now.startOfDay
        let edges = [now.adding(seconds: -86_400), now.adding(seconds: -7 * 86_400), now.adding(seconds: -14 * 86_400)]
        var events: [EventRecord] = []
        for _ in 0..<count {
            let time: Timestamp
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: time = now.adding(seconds: -Double.random(in: 0..<(16 * 86_400), using: &rng))
            case 1:
                time = midnight.adding(seconds: Double(-86_400 * Int.random(in: 0...15, using: &rng)) + Double.random(in: -120...120, using: &rng))
            default: time = edges.randomElement(using: &rng)!.adding(seconds: Double.random(in: -60...60, using: &rng))
            }
            let name = names.randomElement(using: &rng)!
            let target = targets.randomElement(using: &rng)!
            let metadata: [String: String] =
                switch name {
                case "remix_completed":
                    Bool.random(using: &rng)
                        ? ["battle_id": Identifiers.newUUID(), "source_battle_id": target] : ["battle_id": target, "source_battle_id": ""]
                case "daily_return", "follow_click": [:]
                default: ["battle_id": target]
                }
            let who = actors.randomElement(using: &rng)!
            events.append(EventRecord(userID: who.userID, actor: who.actor, name: name, metadata: metadata, createdAt: min(time, now)))
        }
        // One client sharing one battle 300 times across yesterday's midnight counts once on each side of it.
        for n in 0..<300 {
            let time = midnight.adding(seconds: Double(n * 12 - 1800))
            events.append(EventRecord(userID: nil, actor: flood.0, name: "battle_shared", metadata: ["battle_id": flood.1], createdAt: time))
        }
        events.shuffle(using: &rng)
        return events
    }

    /// The windows checked: the callers' (24 h, 7 and 14 days), day-aligned ones, and one starting exactly at an event.
    static func windows(_ now: Timestamp, exact: Timestamp) -> [Timestamp] {
        [
            now.adding(seconds: -86_400), now.adding(seconds: -7 * 86_400), now.adding(seconds: -14 * 86_400), now.startOfDay,
            now.startOfDay.adding(microseconds: -1), now.startOfDay.adding(seconds: -86_400), exact, now.adding(seconds: -3 * 86_400 - 1),
        ]
    }

    @Test(arguments: StoreBackend.available)
    func aggregatesAnswerExactlyWhatTheRawEventsGive(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let reader = try await f.user("reader")
        let author = try await f.user("author")
        let persona = try await f.persona(of: author, draftQuota: 50)
        _ = try await f.store.follow(personaID: persona.id, slug: "p", ownerUserID: author.id, followerUserID: reader.id, now: f.now)
        var published: [Post] = []
        for days in [20.0, 10, 3, 1, 0] { published.append(try await f.publishedPost(by: persona, at: f.now.adding(seconds: -days * 86_400))) }
        let draft = try await f.store.createDraft(roomID: try await f.room().id, persona: persona, content: "draft", now: f.now)
        let actors: [(actor: String, userID: String?)] =
            [(reader.id, reader.id), (author.id, author.id)] + (0..<6).map { _ in (anonymousActor(), nil) }
        let events = Self.history(
            seed: 17, count: 900, now: f.now, actors: actors, targets: published.map(\.id) + [draft.id, Identifiers.newUUID()],
            flood: (anonymousActor(), published[1].id))
        var rest = events[...]
        var rng = SeededGenerator(state: 28)
        while !rest.isEmpty {
            let size = Int.random(in: 1...97, using: &rng)
            try await f.store.recordEvents(Array(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }

        let oracle = try await EngagementOracle.load(f.dir)
        #expect(oracle.events.count >= events.count)
        let ids = Set(published.map(\.id))
        let weekAgo = f.now.adding(seconds: -7 * 86_400)
        let recent = Set(published.filter { $0.createdAt >= weekAgo }.map(\.id))
        for since in Self.windows(f.now, exact: events[0].createdAt) {
            let counts = try await f.store.eventCounts(since24h: since, since7d: since.adding(seconds: -86_400))
            #expect(counts.day == oracle.eventCounts(since: since), "\(since.storageString)")
            #expect(counts.week == oracle.eventCounts(since: since.adding(seconds: -86_400)), "\(since.storageString)")
            #expect(try await f.store.eventsPerDay(since: since) == oracle.eventsPerDay(since: since), "\(since.storageString)")

            let expected = oracle.engagement(since: since, among: ids)
            let pool = try await f.store.trendingPool(since: since, limit: 100)
            #expect(Dictionary(uniqueKeysWithValues: pool.map { ($0.candidate.battleID, [$0.candidate.shares, $0.candidate.remixes]) }) == expected)
            let scores = pool.map { $0.candidate.shares * 2 + $0.candidate.remixes * 4 }
            #expect(scores == scores.sorted(by: >), "the most engaged first")

            let weekly = try await f.store.weeklyEngagedBattles(engagementSince: since, createdSince: weekAgo)
            #expect(
                Dictionary(uniqueKeysWithValues: weekly.map { ($0.candidate.battleID, [$0.candidate.shares, $0.candidate.remixes]) })
                    == expected.filter { recent.contains($0.key) })

            let followed = try await f.store.feedCandidates(userID: reader.id, engagementSince: since, templatesSince: since).followed
            #expect(followed.count == published.count)
            for candidate in followed {
                #expect([candidate.shares, candidate.remixes] == expected[candidate.battleID] ?? [0, 0], "\(candidate.battleID)")
            }
        }
    }
}
