import Domain
import Foundation
import HummingbirdTesting
import Storage
import TestSupport
import Testing

@testable import App

/// Cache evictions across nodes: a change made through one node evicts the stale entry on every node before its TTL
/// runs out (PostgreSQL: NOTIFY heard by each node's LISTEN connection; SQLite: this process only).
@Suite struct CacheInvalidationTests {
    /// A TTL no test outlives: an entry that turns fresh was evicted, not expired. The public-read limit is off because
    /// both nodes poll one shared bucket (PostgreSQL keeps rate limits in the database).
    static let settings = ["PUBLIC_PAGE_CACHE_TTL": "1h", "RATE_LIMIT_PUBLIC_READ_PER_MIN": "0"]

    /// A full persona body (an update replaces every field, quotas included).
    static func persona(_ name: String) -> String {
        TestJSON.persona(name: name, extra: #","daily_draft_quota":5,"daily_reply_quota":25"#)
    }

    /// Waits until the node's LISTEN connection is up: on connecting it clears the caches once (evictions sent while it
    /// was away are lost), which must not happen after the test has filled them.
    static func listening(_ logs: LogCapture, backend: StoreBackend) async throws {
        guard backend == .postgres else { return }
        #expect(try await eventually { !logs.entries("listening").isEmpty }, "the node never listened")
    }

    static func name(_ response: TestResponse) -> String? {
        (response.jsonObject?["profile"] as? [String: Any])?["name"] as? String
    }

    @Test func aProfileChangedOnOneNodeIsServedFreshByAnotherNodeLongBeforeItsTTL() async throws {
        guard StoreBackend.postgres.isAvailable else { return }
        let (logsA, logsB) = (LogCapture(), LogCapture())
        try await TestApp.withRouter(Self.settings, backend: .postgres, runWorker: false, logs: logsB) { b, dir in
            let (token, _) = try await b.signup()
            let persona = try await b.createPersona(token: token, name: "Ada")
            let slug = try await b.publishProfile(token: token, persona: persona, slug: "ada-nodes")
            try await Self.listening(logsB, backend: .postgres)
            // Node A starts once the profile is published, so no eviction from the set-up is still on its way to it.
            try await TestApp.withRouter(Self.settings, backend: .postgres, runWorker: false, in: dir, logs: logsA) { a, _ in
                try await Self.listening(logsA, backend: .postgres)
                let first = try await a.send(.get, "/p/\(slug)")
                #expect(first.status == .ok && Self.name(first) == "Ada")
                // Node A serves its cached page: a change written behind both nodes' backs (nobody is told) is not seen.
                let db = try await TestDatabase.open(dir)
                try await db.execute("UPDATE personas SET name = 'Unseen' WHERE id = ?", [persona])
                #expect(Self.name(try await a.send(.get, "/p/\(slug)")) == "Ada", "node A answers from its cache")
                // The same kind of change through node B's API reaches node A's cache by NOTIFY.
                let renamed = try await b.send(.put, "/personas/\(persona)", token: token, json: Self.persona("Grace"))
                #expect(renamed.status == .ok, "\(renamed.text)")
                #expect(try await eventually { Self.name(try await a.send(.get, "/p/\(slug)")) == "Grace" }, "node A still serves the old name")
                // A profile made private is gone from node A too.
                let unpublished = try await b.send(.post, "/personas/\(persona)/unpublish-profile", token: token)
                #expect(unpublished.status == .ok)
                #expect(try await eventually { try await a.send(.get, "/p/\(slug)").status == .notFound }, "node A still serves a private profile")
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func aProfileChangedOnThisNodeIsServedFreshAtOnce(backend: StoreBackend) async throws {
        let logs = LogCapture()
        try await TestApp.withRouter(Self.settings, backend: backend, runWorker: false, logs: logs) { client, dir in
            try await Self.listening(logs, backend: backend)
            let (token, _) = try await client.signup()
            let persona = try await client.createPersona(token: token, name: "Ada")
            let slug = try await client.publishProfile(token: token, persona: persona, slug: "ada-here")
            #expect(Self.name(try await client.send(.get, "/p/\(slug)")) == "Ada")
            let db = try await TestDatabase.open(dir)
            try await db.execute("UPDATE personas SET name = 'Unseen' WHERE id = ?", [persona])
            #expect(Self.name(try await client.send(.get, "/p/\(slug)")) == "Ada", "served from the cache")
            let renamed = try await client.send(.put, "/personas/\(persona)", token: token, json: Self.persona("Grace"))
            #expect(renamed.status == .ok, "\(renamed.text)")
            #expect(Self.name(try await client.send(.get, "/p/\(slug)")) == "Grace", "the change cleared this node's cache before it answered")
        }
    }

    @Test func anEvictionReachesTheCacheItNames() {
        let pages = PublicPageCache(ttl: 60, now: { 5 })
        let auth = AuthCache(sessionTTL: 60)
        let caches = NodeCaches(pages: pages, auth: auth)
        let page = PublicPageCache.Page(body: Data("x".utf8), etag: "\"x\"", personaID: "p", slug: "ada")
        let now = Timestamp(microseconds: 1_000_000)
        pages.set(page, for: "ada", readAt: pages.generation)
        auth.rememberSession("s1", userID: "u1", now: now)
        auth.rememberSession("s2", userID: "u2", now: now)
        caches.evict(CacheEviction(cache: .sessions, key: "u1"))
        #expect(auth.liveSession("s1", now: now) == nil && auth.liveSession("s2", now: now) == "u2")
        #expect(pages.get("ada") != nil, "another cache is untouched")
        caches.evict(.all(.publicPages))
        #expect(pages.get("ada") == nil)
        caches.evict(.all(.sessions))
        #expect(auth.liveSession("s2", now: now) == nil)
    }

    @Test func payloadsRoundTripAndAnythingElseIsDropped() {
        for eviction in [CacheEviction.all(.publicPages), CacheEviction(cache: .sessions, key: "0a11ce00-0000-4000-8000-000000000001")] {
            #expect(CacheEviction(payload: eviction.payload) == eviction)
        }
        for bad in ["", "pages", "pages:", "nope:*", ":*", "sessions:" + String(repeating: "a", count: 300)] {
            #expect(CacheEviction(payload: bad) == nil, "\(bad.prefix(20))")
        }
    }

    @Test func loggingOutTellsEveryNodeThatTheUsersSessionsAreRevoked() async throws {
        let dir = TestDirectory()
        let clock = ManualClock()
        let caches = RecordingCacheInvalidator()
        let auth = AuthService(
            store: try await dir.backend.makeStore(in: dir, now: clock.now()), tokens: await TokenService(secret: TestApp.secret, clock: clock),
            hasher: PasswordHasher(cost: 4), clock: clock, cache: AuthCache(), caches: caches)
        let (token, user) = try await auth.signup(email: "nodes@example.com", password: "password123", shareSlug: "")
        #expect(try await auth.authenticate(token: token) == user)
        try await auth.logout(token: token)
        #expect(caches.evictions == [CacheEviction(cache: .sessions, key: user)])
        _ = try await auth.logoutEverywhere(userID: user)
        #expect(caches.evictions.count == 2 && caches.evictions.allSatisfy { $0 == CacheEviction(cache: .sessions, key: user) })
    }
}
