import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Prometheus
import Storage
import TestSupport
import Testing

@testable import App

/// Thread summaries: one provider call however many views wait for the same thread state, shared errors that are not
/// cached, and the worker warming a post's summary once its replies are done. The fake provider holds every summary
/// at a gate the test opens, so "all the views have arrived" is a fact the test waits for, not a guess about timing.
///
/// The app runs in router mode (concurrent requests, no socket): the tests wait on what they can see without
/// `/metrics`, which answers loopback peers only (`METRICS_ALLOW`): the fake provider's counters, the rows of the
/// queue and of the summary cache (`TestDatabase`), and the app's metrics registry read in process.
@Suite struct ThreadSummaryFlightTests {
    /// Waits for a condition the code under test reaches on its own (`eventually`: the deadline bounds a hang only).
    static func waitUntil(_ what: String, _ check: () async throws -> Bool) async throws {
        guard try await eventually(check) else { throw TestFailure("timed out waiting until \(what)") }
    }

    /// The value of an unlabelled or fully labelled series in the app's registry, 0 when absent.
    static func metric(_ registry: PrometheusCollectorRegistry, _ series: String) -> Double {
        for line in registry.emitToString().split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? 0
        }
        return 0
    }

    /// Thread summaries stored in the cache (by a view or by the worker's warm-up).
    static func storedSummaries(_ db: TestDatabase) async throws -> Int {
        try await db.int("SELECT COUNT(*) FROM llm_cache WHERE operation = 'thread_summary'") ?? 0
    }

    /// A published post of a new user and one finished reply per persona (2), waited for in the rows (no thread
    /// view, which would summarize the thread); returns (token, post id).
    static func postWithReplies(_ client: any TestClientProtocol, _ db: TestDatabase, _ dir: TestDirectory) async throws -> (String, String) {
        let maxAttempts = try TestApp.config(dir).jobMaxAttempts
        let (token, _) = try await client.signup()
        let ada = try await client.createPersona(token: token, name: "Ada")
        _ = try await client.createPersona(token: token, name: "Bob")
        let room = try await client.firstRoom(token: token).id
        let post = try await PostRoutesTests.publishedPost(client, token: token, persona: ada, room: room)
        let enqueued = try await client.send(.post, "/posts/\(post)/generate-replies", token: token)
        #expect(enqueued.jsonObject?["enqueued"] as? Int == 2)
        try await waitUntil("the reply jobs are done") { try await db.activeJobs(maxAttempts: maxAttempts) == 0 }
        #expect(try await db.int("SELECT COUNT(*) FROM replies WHERE post_id = ?", [post]) == 2)
        return (token, post)
    }

    /// `n` concurrent thread views; their `ai_summary` texts (on PostgreSQL they share the test pool of 4 connections,
    /// so the tests that send them use `TestApp.burstTimeouts`).
    static func views(_ n: Int, of post: String, token: String, client: any TestClientProtocol) async throws -> [String] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<n {
                group.addTask {
                    let response = try await client.send(.get, "/posts/\(post)/thread", token: token)
                    #expect(response.status == .ok)
                    return response.jsonObject?["ai_summary"] as? String ?? ""
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func twentyConcurrentViewsOfAColdSummaryMakeOneProviderCall() async throws {
        let llm = GatedSummaryLLM(open: true)
        let registry = PrometheusCollectorRegistry()
        try await TestApp.withRouter(TestApp.burstTimeouts.merging(["SUMMARY_PREWARM": "false"]) { $1 }, llm: llm, registry: registry) {
            client, dir in
            let db = try await TestDatabase.open(dir)
            let (token, post) = try await Self.postWithReplies(client, db, dir)
            #expect(llm.summaryCalls == 0)
            #expect(Self.metric(registry, "llm_cache_misses_total") == 0)
            llm.close()
            async let texts = Self.views(20, of: post, token: token, client: client)
            // Every view has looked in the cache and missed; the first one's provider call waits at the gate. Without
            // the single flight each miss would call the provider and this would never hold.
            try await Self.waitUntil("20 views missed the cache and one call reached the provider") {
                Self.metric(registry, "llm_cache_misses_total") == 20 && llm.summaryCalls == 1
            }
            llm.open()
            let results = try await texts
            #expect(results.count == 20)
            #expect(Set(results) == ["summary 1 of 2 replies"])
            #expect(llm.summaryCalls == 1)
            #expect(Self.metric(registry, #"thread_summary_provider_calls_total{outcome="ok",trigger="view"}"#) == 1)
            #expect(try await Self.storedSummaries(db) == 1)
        }
    }

    @Test func afterTheWorkerWarmedTheSummaryTwentyViewsMakeNoProviderCall() async throws {
        let llm = GatedSummaryLLM(open: true)
        let registry = PrometheusCollectorRegistry()
        try await TestApp.withRouter(TestApp.burstTimeouts, llm: llm, registry: registry) { client, dir in
            let db = try await TestDatabase.open(dir)
            let (token, post) = try await Self.postWithReplies(client, db, dir)
            // The job that finished last made the worker summarize the thread (once: the other saw a job still active).
            try await Self.waitUntil("the worker stored the summary") { try await Self.storedSummaries(db) == 1 }
            #expect(llm.summaryCalls == 1)
            let results = try await Self.views(20, of: post, token: token, client: client)
            #expect(Set(results) == ["summary 1 of 2 replies"])
            #expect(llm.summaryCalls == 1)
            // The warm-up's first look was the one miss (a second pass, when both jobs settled together, hits).
            #expect(Self.metric(registry, "llm_cache_misses_total") == 1, "every view found the warmed summary")
            #expect(Self.metric(registry, #"thread_summary_provider_calls_total{outcome="ok",trigger="warm"}"#) == 1)
            #expect(Self.metric(registry, #"thread_summary_provider_calls_total{outcome="ok",trigger="view"}"#) == 0)

            // Freshness: a new reply changes the thread's key; the worker warms the new state and views get it.
            let carol = try await client.createPersona(token: token, name: "Carol")
            let more = try await client.send(.post, "/posts/\(post)/generate-replies", token: token, json: #"{"persona_ids":["\#(carol)"]}"#)
            #expect(more.jsonObject?["enqueued"] as? Int == 1)
            try await Self.waitUntil("the worker stored the new state's summary") { try await Self.storedSummaries(db) == 2 }
            #expect(Set(try await Self.views(20, of: post, token: token, client: client)) == ["summary 2 of 3 replies"])
            #expect(llm.summaryCalls == 2)
            #expect(Self.metric(registry, #"thread_summary_provider_calls_total{outcome="ok",trigger="view"}"#) == 0)
        }
    }

    // MARK: The cache's single flight, without HTTP

    struct Parts {
        let dir = TestDirectory()
        let store: any AppStore & DemoSeeder
        let llm = GatedSummaryLLM()
        let cache: ThreadSummaryCache
        let metrics: AppMetrics
        let clock = ManualClock()
        /// The seeded user, persona and post.
        let ids: (user: String, personas: [String], posts: [String])
        let post: Post

        init() async throws {
            store = try await StoreBackend.sqlite.makeStore(in: dir, now: clock.now())
            ids = try await Fixtures.seed(store, personas: 1, posts: 1, now: clock.now())
            post = try #require(try await store.thread(postID: ids.posts[0])?.post)
            metrics = AppMetrics(registry: PrometheusCollectorRegistry(), clock: clock)
            cache = ThreadSummaryCache(store: store, llm: llm, providerKey: "test", summaryMaxLen: 400, clock: clock, metrics: metrics)
        }

        func replies(_ n: Int) -> [Reply] {
            (0..<n).map {
                Reply(
                    id: "r\($0)", postID: post.id, personaID: nil, personaName: nil, authoredBy: .ai, content: "reply \($0)",
                    createdAt: Timestamp(seconds: 1000 + Int64($0)), updatedAt: Timestamp(seconds: 1000 + Int64($0)))
            }
        }
    }

    @Test func aCancelledWaiterStopsWaitingAndTheSharedCallGoesOnForTheOthers() async throws {
        let parts = try await Parts()
        let replies = parts.replies(2)
        let key = parts.cache.key(post: parts.post, replies: replies)
        let first = Task { await parts.cache.summary(post: parts.post, replies: replies) }
        let second = Task { await parts.cache.summary(post: parts.post, replies: replies) }
        let leaving = Task { await parts.cache.summary(post: parts.post, replies: replies) }
        // The leader's call reaches the provider on its own schedule: wait for both, not one then the other.
        try await Self.waitUntil("three callers wait on one call") {
            parts.cache.flights.waiting(for: key) == 3 && parts.llm.summaryCalls == 1
        }
        leaving.cancel()
        #expect(await leaving.value == ThreadSummaryCache.unavailable)
        #expect(parts.cache.flights.waiting(for: key) == 2)
        parts.llm.open()
        #expect(await first.value == "summary 1 of 2 replies")
        #expect(await second.value == "summary 1 of 2 replies")
        #expect(parts.llm.summaryCalls == 1)
        #expect(parts.llm.cancelledCalls == 0, "the provider call ran to the end")
        #expect(try await parts.store.cachedLLMResponse(key: key) == "summary 1 of 2 replies")
    }

    @Test func everyWaiterGetsTheFailureAndTheNextViewTriesAgain() async throws {
        let parts = try await Parts()
        let replies = parts.replies(1)
        let key = parts.cache.key(post: parts.post, replies: replies)
        parts.llm.failNext(1)
        let waiters = (0..<5).map { _ in Task { await parts.cache.summary(post: parts.post, replies: replies) } }
        try await Self.waitUntil("five callers wait on one call") { parts.cache.flights.waiting(for: key) == 5 }
        parts.llm.open()
        for waiter in waiters { #expect(await waiter.value == ThreadSummaryCache.unavailable) }
        #expect(parts.llm.summaryCalls == 1)
        #expect(try await parts.store.cachedLLMResponse(key: key) == nil, "a failure is not cached")
        #expect(await parts.cache.summary(post: parts.post, replies: replies) == "summary 2 of 1 replies")
        #expect(parts.llm.summaryCalls == 2)
    }

    @Test func differentThreadStatesDoNotShareACall() async throws {
        let parts = try await Parts()
        parts.llm.open()
        async let one = parts.cache.summary(post: parts.post, replies: parts.replies(1))
        async let two = parts.cache.summary(post: parts.post, replies: parts.replies(2))
        let texts = await [one, two]
        #expect(Set(texts).count == 2)
        #expect(parts.llm.summaryCalls == 2)
    }
}
