import Domain
import Storage
import TestSupport
import Testing

/// `JobQueue.claimJobs`: what a claim takes and in which order, its limit, and the context it reads.
@Suite struct JobClaimConformance {
    /// A user with `count` personas (created a second apart) and another user's published post they reply to.
    static func personas(_ f: StoreFixture, _ count: Int) async throws -> (user: User, personas: [Persona], post: Post) {
        let scene = try await f.replyScene()
        var personas = [scene.persona]
        for n in 1..<count { personas.append(try await f.persona(of: scene.user, name: "P\(n)", at: f.now.adding(seconds: Double(n)))) }
        return (scene.user, personas, scene.post)
    }

    @Test(arguments: StoreBackend.available)
    func claimsTakeTheEarliestAvailableFirstWithTheIDBreakingTies(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (user, p, post) = try await Self.personas(f, 4)
        // Enqueued at t+5, t+1, t+3 and t+1 again: available_at and created_at are the enqueue time.
        for (persona, offset) in zip(p, [5.0, 1, 3, 1]) {
            try await f.enqueue(post, [persona], as: user, at: f.now.adding(seconds: offset))
        }
        f.advance(10)
        var order: [String] = []
        while let job = try await f.claim().first { order.append(job.personaID) }
        #expect(order == [p[1].id, p[3].id, p[2].id, p[0].id])
    }

    @Test(arguments: StoreBackend.available)
    func equalAvailabilityFallsBackToTheOlderCreationBeforeTheID(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (user, p, post) = try await Self.personas(f, 2)
        try await f.enqueue(post, [p[0]], as: user, at: f.now.adding(seconds: 2)) // lower id, created later
        try await f.enqueue(post, [p[1]], as: user, at: f.now.adding(seconds: 1)) // higher id, created earlier
        f.advance(3)
        let retry = f.now.adding(seconds: 20)
        for job in try await f.claim(2) {
            try await f.store.failJob(job, attempts: 1, error: "retry", availableAt: retry, now: f.now)
        }
        f.advance(20)
        #expect(try await f.claim().map(\.personaID) == [p[1].id])
        #expect(try await f.claim().map(\.personaID) == [p[0].id])
    }

    @Test(arguments: StoreBackend.available)
    func aBatchClaimRespectsItsLimitAndLeavesLiveLeasesAndFutureJobs(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (user, p, post) = try await Self.personas(f, 6)
        try await f.enqueue(post, Array(p.prefix(5)), as: user)
        try await f.enqueue(post, [p[5]], as: user, at: f.now.adding(seconds: 100))
        #expect(try await f.claim(0).isEmpty)
        let first = try await f.claim(3)
        #expect(first.count == 3)
        #expect(Set(first.map(\.personaID)) == Set(p.prefix(3).map(\.id)), "the three oldest")
        for job in first {
            #expect(job.attempts == 0 && !job.lockedAt.isEmpty && job.kind == .generateReply && job.postID == post.id)
            #expect(job.traceID == "trace")
        }
        let rest = try await f.claim(10)
        #expect(Set(rest.map(\.personaID)) == Set([p[3].id, p[4].id]), "neither a live lease nor a future job")
        #expect(try await f.claim(10).isEmpty)
        #expect(try await f.depth() == 6)
        for job in first + rest { #expect(try await f.store.completeJob(job, now: f.now)) }
        f.advance(100)
        #expect(try await f.claim(10).map(\.personaID) == [p[5].id])
    }

    @Test(arguments: StoreBackend.available)
    func theClaimReadsTheReplyContextTheWorkerNeeds(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let personas = [
            try await f.persona(of: owner, name: "Ada", replyQuota: 9), try await f.persona(of: owner, name: "Linus", at: f.now.adding(seconds: 1)),
        ]
        let battle = try await f.battle(by: owner)
        #expect(battle.enqueued == 2)
        let first = try #require(try await f.claim().first)
        #expect(first.templateID == battle.template.id)
        guard case .ready(let context)? = first.prefetched else {
            Issue.record("no prefetched context: \(String(describing: first.prefetched))")
            return
        }
        #expect(context.persona.id == personas[0].id && context.persona.name == "Ada" && context.persona.tone == "calm")
        #expect(context.dailyReplyQuota == 9 && context.repliesToday == 0 && !context.alreadyReplied)
        #expect(context.post == battle.post && context.thread.isEmpty)
        #expect(
            context.template
                == LLMTemplate(name: battle.template.name, promptRules: battle.template.promptRules, wordLimit: battle.template.wordLimit))
        #expect(try await f.store.replyJobContext(first, now: f.now) == context)
        var unread = first
        unread.prefetched = nil
        #expect(try await f.store.replyJobContext(unread, now: f.now) == context, "without a prefetched context the store reads it")

        #expect(try await f.store.completeReplyJob(first, content: "Ada says.", post: battle.post, quota: 9, now: f.now) == .written)
        let second = try #require(try await f.claim().first)
        guard case .ready(let next)? = second.prefetched else {
            Issue.record("no prefetched context")
            return
        }
        #expect(next.persona.name == "Linus" && next.thread.map(\.content) == ["Ada says."])
        var later = first
        later.prefetched = nil
        #expect(try await f.store.replyJobContext(later, now: f.now)?.alreadyReplied == true)
        #expect(try await f.store.replyJobContext(later, now: f.now)?.repliesToday == 1)
    }

    @Test(arguments: StoreBackend.available)
    func aJobWhosePersonaWasDeletedHasNoContextAndWritesNothing(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        try await f.enqueue(scene.post, [scene.persona])
        var job = try #require(try await f.claim().first)
        #expect(try await f.store.deletePersona(id: scene.persona.id, ownedBy: scene.user.id))
        job.prefetched = nil
        #expect(try await f.store.replyJobContext(job, now: f.now) == nil)
        #expect(try await f.store.completeReplyJob(job, content: "orphan", post: scene.post, quota: 25, now: f.now) == .lostClaim)
        #expect(try await f.store.thread(postID: scene.post.id)?.replies.isEmpty == true)
        #expect(try await f.depth() == 0, "the persona's jobs went with it")
    }
}
