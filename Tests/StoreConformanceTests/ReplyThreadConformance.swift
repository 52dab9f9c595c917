import Domain
import Storage
import TestSupport
import Testing

/// The thread a claimed reply job carries is every reply of its post as the claim sees them, in thread order
/// (`created_at`, then `id`), whoever wrote them: this process earlier, the same group commit, or another process.
/// (SQLite keeps threads between claims in its `ReplyThreadCache`; these are the cases where a kept thread would be stale.)
@Suite struct ReplyThreadConformance {
    @Test(arguments: StoreBackend.available)
    func aClaimedJobsThreadHoldsEveryReplyOfItsPostInThreadOrderWhoeverWroteIt(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        var personas = [scene.persona]
        for name in ["Bea", "Cy", "Dee", "Eve", "Fay", "Gus"] { personas.append(try await f.persona(of: scene.user, name: name)) }
        // Enqueued a minute back, so replies written "earlier" than the first still come after the jobs' claim time.
        try await f.enqueue(scene.post, personas, at: f.now.adding(seconds: -60))
        let start = f.now
        f.advance(1)
        func thread(_ job: ClaimedJob?) -> [String]? {
            guard case .ready(let context)? = job?.prefetched else { return nil }
            return context.thread.map(\.content)
        }
        func finish(_ job: ClaimedJob?, _ content: String, at time: Timestamp) async throws -> ClaimedJob? {
            let job = try #require(job)
            let (write, next) = try await f.store.completeReplyJob(
                job, content: content, post: scene.post, quota: 25, now: time, claimNext: StoreFixture.policy)
            #expect(write == .written)
            return next
        }

        let a = try #require(try await f.claim().first)
        #expect(thread(a) == [])
        let b = try await finish(a, "A", at: f.now)
        #expect(thread(b) == ["A"], "a reply written earlier in the same transaction")

        f.advance(1)
        let other = try await f.otherStore()
        let c = try #require(try await other.claimJobs(limit: 1, policy: StoreFixture.policy, now: f.now).first)
        #expect(thread(c) == ["A"])
        let (written, _) = try await other.completeReplyJob(c, content: "C", post: scene.post, quota: 25, now: f.now, claimNext: nil)
        #expect(written == .written)

        f.advance(1)
        let d = try await finish(b, "B", at: f.now)
        #expect(thread(d) == ["A", "C", "B"], "a reply another process wrote meanwhile")
        let e = try await finish(d, "D", at: start.adding(seconds: -10))
        #expect(thread(e) == ["D", "A", "C", "B"], "a reply written later with an earlier time comes first")
        f.advance(1)
        let (lastWrite, _) = try await f.store.completeReplyJob(
            try #require(e), content: "E", post: scene.post, quota: 25, now: f.now, claimNext: nil)
        #expect(lastWrite == .written)
        let fay = try #require(try await f.claim().first)
        #expect(thread(fay) == ["D", "A", "C", "B", "E"])
        let gus = try await finish(fay, "F", at: start.adding(seconds: -20))
        #expect(thread(gus) == ["F", "D", "A", "C", "B", "E"])
        try await other.close()
    }

    @Test(arguments: StoreBackend.available)
    func aReplyRefusedForTheQuotaIsInNoLaterThread(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let scene = try await f.replyScene()
        let second = try await f.persona(of: scene.user, name: "Bea")
        let author = try await f.persona(of: try await f.user("author"), name: "Author", draftQuota: 10)
        let other = try await f.publishedPost(by: author, content: "Another post.")
        try await f.enqueue(other, [scene.persona], at: f.now.adding(seconds: -2))
        try await f.enqueue(scene.post, [scene.persona, second], at: f.now.adding(seconds: -1))
        let jobs = try await f.claim(2)
        #expect(jobs.map(\.postID) == [other.id, scene.post.id])
        #expect(try await f.store.completeReplyJob(jobs[0], content: "fits", post: other, quota: 1, now: f.now) == .written)
        let (write, next) = try await f.store.completeReplyJob(
            jobs[1], content: "over", post: scene.post, quota: 1, now: f.now, claimNext: StoreFixture.policy)
        #expect(write == .quotaReached && next == nil)
        let bea = try #require(try await f.claim().first)
        guard case .ready(let context)? = bea.prefetched else {
            Issue.record("no prefetched context")
            return
        }
        #expect(context.thread.isEmpty, "the refused reply was rolled back")
    }
}
