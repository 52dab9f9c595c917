import Domain
import Storage
import TestSupport
import Testing

/// `JobQueue.completeReplyJob`: the reply, one unit of reply quota, the persona's activity and the job's DONE are
/// written together or not at all.
@Suite struct ReplyWriteConformance {
    @Test(arguments: StoreBackend.available)
    func aReplyWriteStoresTheReplyChargesOneUnitRecordsActivityAndFinishesTheJob(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        let other = try await f.publishedPost(by: scene.persona)
        try await f.enqueue(scene.post, [scene.persona])
        try await f.enqueue(other, [scene.persona], at: f.now.adding(seconds: 1))
        f.advance(2)
        let job = try #require(try await f.claim().first)
        let (write, next) = try await f.store.completeReplyJob(
            job, content: "A reply.", post: scene.post, quota: 25, now: f.now, claimNext: StoreFixture.policy)
        #expect(write == .written)
        #expect(next?.postID == other.id, "the next job is claimed in the same call")
        let reply = try #require(try await f.store.thread(postID: scene.post.id)?.replies.first)
        #expect(reply.content == "A reply." && reply.personaID == scene.persona.id && reply.personaName == "Ada" && reply.authoredBy == .ai)
        #expect(reply.createdAt == f.now)
        #expect(try await f.store.quotaUsage(personaID: scene.persona.id, kind: .reply, now: f.now) == 1)
        #expect(try await f.depth() == 1, "only the next job is still active")
        let work = try await f.store.claimDailyDigests(now: f.now, holder: "check", lease: 60, limit: 10)
        #expect(work.contains { $0.persona.id == scene.persona.id }, "its digest is due")
        let activity = try await f.store.personaDayActivity(personaID: scene.persona.id, since: f.now.startOfDay)
        #expect(activity.replies == 1 && activity.posts == 1, "a reply_generated row beside the approved post's post_created")
    }

    @Test(arguments: StoreBackend.available)
    func aFullQuotaRefusesTheReplyAndWritesNothingNotEvenTheNextClaim(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user("owner")
        let persona = try await f.persona(of: owner, replyQuota: 25)
        let author = try await f.persona(of: try await f.user("author"), name: "Author", draftQuota: 10)
        var posts: [Post] = []
        for n in 0..<3 { posts.append(try await f.publishedPost(by: author, content: "Post \(n).")) }
        for (n, post) in posts.enumerated() { try await f.enqueue(post, [persona], at: f.now.adding(seconds: Double(n - 3))) }
        let jobs = try await f.claim(2)
        #expect(try await f.store.completeReplyJob(jobs[0], content: "fits", post: posts[0], quota: 1, now: f.now) == .written)
        let (write, next) = try await f.store.completeReplyJob(
            jobs[1], content: "over", post: posts[1], quota: 1, now: f.now, claimNext: StoreFixture.policy)
        #expect(write == .quotaReached)
        #expect(next == nil, "nothing of the refused write happened, the next claim included")
        #expect(try await f.store.thread(postID: posts[1].id)?.replies.isEmpty == true)
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .reply, now: f.now) == 1)
        #expect(try await f.depth() == 2, "the refused job is still held by its claim, the third still waits")
        #expect(try await f.claim(5).map(\.postID) == [posts[2].id])
        try await f.store.failJob(jobs[1], attempts: 3, error: "daily reply quota reached", availableAt: nil, now: f.now)
        #expect(try await f.depth() == 1, "the refused job's claim could still finish it")
    }

    /// Race: concurrent reply writes of one persona never exceed its reply quota.
    @Test(arguments: StoreBackend.available)
    func concurrentReplyWritesNeverExceedTheQuota(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let load = try await f.store.seedSyntheticLoad(personas: 1, posts: 30, replyQuota: 1000, now: f.now)
        for post in load.posts {
            _ = try await f.store.enqueueReplies(
                postID: post, personaIDs: load.personas, userID: load.user, payloadExtra: [:], maxAttempts: 3, now: f.now)
        }
        let jobs = try await f.claim(30)
        #expect(jobs.count == 30)
        let outcomes = await concurrently(jobs.count) { n in
            let post = try #require(try await f.store.post(id: jobs[n].postID))
            return try await f.store.completeReplyJob(jobs[n], content: "reply \(n)", post: post, quota: 7, now: f.now)
        }
        let writes = try outcomes.map { try $0.get() }
        #expect(writes.filter { $0 == .written }.count == 7)
        #expect(writes.filter { $0 == .quotaReached }.count == 23)
        #expect(try await f.store.quotaUsage(personaID: load.personas[0], kind: .reply, now: f.now) == 7)
        var replies = 0
        for post in load.posts { replies += try await f.store.thread(postID: post)?.replies.count ?? 0 }
        #expect(replies == 7)
    }
}

/// The daily quotas under concurrent consumers: a count-then-insert race is impossible on any engine.
@Suite struct QuotaRaceConformance {
    /// Race: 50 concurrent drafts against a quota of 7: exactly 7 drafts, the rest `quotaReached`.
    @Test(arguments: StoreBackend.available)
    func fiftyConcurrentDraftsAgainstAQuotaOfSevenMakeSeven(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner, draftQuota: 7)
        let room = try await f.room()
        let outcomes = await concurrently(50) { n in
            try await f.store.createDraft(roomID: room.id, persona: persona, content: "draft \(n)", now: f.now)
        }
        #expect(outcomes.compactMap(\.value).count == 7)
        #expect(outcomes.compactMap(\.error).allSatisfy { ($0 as? DomainError) == .quotaReached(.draft) }, "\(outcomes.compactMap(\.error))")
        #expect(outcomes.compactMap(\.error).count == 43)
        #expect(try await f.store.posts(inRoom: room.id, visibleTo: owner.id).count == 7)
        #expect(try await f.store.quotaUsage(personaID: persona.id, kind: .draft, now: f.now) == 7)
    }

    /// Race: 50 concurrent previews against a quota of 7: usages 1…7 handed out once each, the rest `quotaReached`.
    @Test(arguments: StoreBackend.available)
    func fiftyConcurrentPreviewsAgainstAQuotaOfSevenCountSeven(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let owner = try await f.user()
        let persona = try await f.persona(of: owner)
        let room = try await f.room()
        let outcomes = await concurrently(50) { _ in
            try await f.store.recordPreview(
                personaID: persona.id, roomID: room.id, userID: owner.id, quota: DailyQuota(.preview, limit: 7), now: f.now)
        }
        #expect(outcomes.compactMap(\.value).sorted() == Array(1...7))
        #expect(outcomes.compactMap(\.error).allSatisfy { ($0 as? DomainError) == .quotaReached(.preview) })
        #expect(try await f.storedEvents("preview_generated") == 7, "a refused preview records no event")
    }
}
