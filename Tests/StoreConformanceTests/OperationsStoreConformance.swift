import Domain
import Storage
import TestSupport
import Testing

/// `OperationsStore`: what the operator console shows and does.
@Suite struct OperationsStoreConformance {
    @Test(arguments: StoreBackend.available)
    func theQueueSummaryCountsEveryStateAndTheOldestRunnableJob(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        var summary = try await f.store.queueSummary(maxAttempts: 3, now: f.now)
        #expect(summary == QueueSummary(pending: 0, processing: 0, retrying: 0, failed: 0, done: 0, oldestRunnableSince: nil))
        let (_, persona, post) = try await f.replyScene()
        let second = try await f.persona(of: try await f.user(), name: "Second")
        let third = try await f.persona(of: try await f.user(), name: "Third")
        try await f.enqueue(post, [persona], at: f.now.adding(seconds: -30))
        try await f.enqueue(post, [second])
        try await f.enqueue(post, [third])
        let claimed = try await f.claim(2)
        #expect(try await f.store.completeJob(claimed[0], now: f.now))
        try await f.store.failJob(claimed[1], attempts: 3, error: "boom", availableAt: nil, now: f.now)
        summary = try await f.store.queueSummary(maxAttempts: 3, now: f.now)
        #expect(summary.pending == 1 && summary.done == 1 && summary.failed == 1 && summary.processing == 0 && summary.retrying == 0)
        #expect(summary.oldestRunnableSince != nil)
        let retry = try #require(try await f.claim(1).first)
        try await f.store.failJob(retry, attempts: 1, error: "later", availableAt: f.now.adding(seconds: 60), now: f.now)
        summary = try await f.store.queueSummary(maxAttempts: 3, now: f.now)
        #expect(summary.pending == 0 && summary.retrying == 1)
    }

    @Test(arguments: StoreBackend.available)
    func throughputCountsFinishedJobsPerMinuteOfTheWindow(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (_, persona, post) = try await f.replyScene()
        let others = try await (0..<2).asyncMap { n in try await f.persona(of: try await f.user(), name: "P\(n)") }
        for owned in [persona] + others { try await f.enqueue(post, [owned]) }
        let jobs = try await f.claim(3)
        try #require(jobs.count == 3)
        #expect(try await f.store.completeJob(jobs[0], now: f.now))
        f.advance(61)
        #expect(try await f.store.completeJob(jobs[1], now: f.now))
        try await f.store.failJob(jobs[2], attempts: 3, error: "gave up", availableAt: nil, now: f.now)
        let minutes = try await f.store.queueThroughput(since: f.now.adding(seconds: -3600))
        #expect(minutes.map(\.done) == [1, 1] && minutes.map(\.failed) == [0, 1])
        #expect(minutes[0].minute < minutes[1].minute)
        #expect(try await f.store.queueThroughput(since: f.now.adding(seconds: 1)).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func aFailedJobIsListedAndRetriedThroughTheActiveJobGuard(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let (_, persona, post) = try await f.replyScene()
        try await f.enqueue(post, [persona])
        let job = try #require(try await f.claim().first)
        try await f.store.failJob(job, attempts: 3, error: "provider down", availableAt: nil, now: f.now)
        let failed = try await f.store.failedJobs(maxAttempts: 3, limit: 10)
        #expect(failed.map(\.id) == [job.id] && failed.first?.error == "provider down" && failed.first?.postID == post.id)
        #expect(failed.first?.attempts == 3 && failed.first?.personaID == persona.id)

        // Another job for the same pair is active: the retry is refused and nothing changes.
        try await f.enqueue(post, [persona])
        #expect(try await f.store.retryFailedJob(id: job.id, maxAttempts: 3, now: f.now) == .activeJobExists)
        #expect(try await f.depth() == 1)
        let other = try #require(try await f.claim().first)
        #expect(try await f.store.completeJob(other, now: f.now))

        #expect(try await f.store.retryFailedJob(id: job.id, maxAttempts: 3, now: f.now) == .requeued)
        #expect(try await f.store.retryFailedJob(id: job.id, maxAttempts: 3, now: f.now) == .notFailed, "already queued")
        #expect(try await f.store.retryFailedJob(id: 999_999, maxAttempts: 3, now: f.now) == .notFailed)
        let again = try #require(try await f.claim().first)
        #expect(again.id == job.id && again.attempts == 0, "a fresh set of attempts")
        #expect(try await f.store.failedJobs(maxAttempts: 3, limit: 10).isEmpty)
    }

    @Test(arguments: StoreBackend.available)
    func eventsPerDayCountEachActorOncePerNameBattleAndDay(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let actor = anonymousActor()
        let yesterday = f.now.adding(seconds: -86_400)
        try await f.store.recordEvents(
            [
                EventRecord(userID: nil, actor: actor, name: "daily_return", metadata: [:], createdAt: yesterday),
                EventRecord(userID: nil, actor: actor, name: "daily_return", metadata: [:], createdAt: yesterday),
                EventRecord(userID: nil, actor: anonymousActor(), name: "daily_return", metadata: [:], createdAt: yesterday),
                EventRecord(userID: nil, actor: actor, name: "daily_return", metadata: [:], createdAt: f.now),
                EventRecord(userID: nil, actor: actor, name: "follow_click", metadata: [:], createdAt: f.now),
            ])
        let days = try await f.store.eventsPerDay(since: f.now.adding(seconds: -2 * 86_400))
        #expect(days == [DayCount(day: yesterday.dateString, count: 2), DayCount(day: f.now.dateString, count: 2)])
    }

    @Test(arguments: StoreBackend.available)
    func nodesAreListedWhileTheirHeartbeatIsRecent(backend: StoreBackend) async throws {
        let f = try await StoreFixture(backend)
        let web = NodeInfo(id: Identifiers.newUUID(), role: "http", version: "1.2.3", host: "box", pid: 10, startedAt: f.now)
        let worker = NodeInfo(id: Identifiers.newUUID(), role: "worker", version: "1.2.3", host: "box", pid: 11, startedAt: f.now)
        try await f.store.heartbeat(web, now: f.now)
        f.advance(30)
        try await f.store.heartbeat(worker, now: f.now)
        try await f.store.heartbeat(worker, now: f.now)
        var live = try await f.store.liveNodes(since: f.now.adding(seconds: -60))
        #expect(live.map(\.node) == [worker, web] && live.first?.heartbeatAt == f.now)
        f.advance(45)
        live = try await f.store.liveNodes(since: f.now.adding(seconds: -60))
        #expect(live.map(\.node) == [worker], "the web node went quiet")
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
