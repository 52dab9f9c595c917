import Domain
import Foundation
import Storage
import TestSupport
import Testing

/// One conformance test's store: a fresh database of the engine under test, a manual clock (every call passes
/// `now` explicitly, so leases, quotas and orderings are deterministic), and helpers that make rows through the
/// store protocols only, so the same fixture works on every engine.
struct StoreFixture: Sendable {
    let dir: TestDirectory
    let store: any AppStore & DemoSeeder
    let clock: ManualClock

    /// 2026-11-18 11:06:40 UTC: mid-day, so a test can move hours ahead without crossing a UTC day by accident.
    static let start = Timestamp(seconds: 1_795_000_000)
    /// The queue policy of most queue tests.
    static let policy = QueuePolicy(maxAttempts: 3, leaseSeconds: 30)

    init(_ backend: StoreBackend, start: Timestamp = StoreFixture.start) async throws {
        dir = TestDirectory(backend: backend)
        clock = ManualClock(start)
        store = try await backend.makeStore(in: dir, now: start)
    }

    var now: Timestamp { clock.now() }

    func advance(_ seconds: Double) { clock.advance(seconds: seconds) }

    /// A second store on the same database: another process (or node) sharing it.
    func otherStore() async throws -> any AppStore & DemoSeeder {
        try await dir.backend.makeStore(in: dir, now: now)
    }

    /// A new user with a unique email.
    func user(_ label: String = "user") async throws -> User {
        try await store.createUser(email: "\(label)-\(UUID().uuidString.prefix(8).lowercased())@example.com", passwordHash: "hash", now: now)
    }

    static func fields(
        name: String = "Ada", draftQuota: Int = 5, replyQuota: Int = 25, bio: String = "A bio", language: String = "en"
    ) -> PersonaFields {
        PersonaFields(
            name: name, bio: bio, tone: "calm", writingSamples: ["one", "two", "three"], doNotSay: ["x"], catchphrases: ["Ship it"],
            preferredLanguage: language, formality: 2, dailyDraftQuota: draftQuota, dailyReplyQuota: replyQuota)
    }

    /// A persona of `user`.
    func persona(
        of user: User, name: String = "Ada", draftQuota: Int = 5, replyQuota: Int = 25, at time: Timestamp? = nil
    ) async throws -> Persona {
        try await store.createPersona(
            userID: user.id, fields: Self.fields(name: name, draftQuota: draftQuota, replyQuota: replyQuota), maxPersonas: 50, now: time ?? now)
    }

    /// `room`, else the first seeded room.
    func resolve(_ room: Room?) async throws -> Room {
        if let room { return room }
        return try await self.room()
    }

    /// The seeded rooms by name; the first is `ai-builders`.
    func room(_ index: Int = 0) async throws -> Room {
        try await store.rooms()[index]
    }

    /// A published post of `persona` (a draft, then approved), at `time` (default now).
    func publishedPost(
        by persona: Persona, room: Room? = nil, content: String = "A published post.", at time: Timestamp? = nil
    ) async throws -> Post {
        let at = time ?? now
        let target = try await resolve(room)
        let draft = try await store.createDraft(roomID: target.id, persona: persona, content: "draft", now: at)
        return try #require(try await store.approveDraft(postID: draft.id, content: content, approverID: persona.userID, now: at))
    }

    /// A battle by `user` on the default template (or `template`), at `time` (default now).
    @discardableResult
    func battle(
        by user: User, template: String? = nil, room: Room? = nil, topic: String = "Go vs Rust", remixOf: String? = nil,
        remixToken: String? = nil, at time: Timestamp? = nil
    ) async throws -> CreatedBattle {
        let target = try await resolve(room)
        let draft = BattleDraft(
            roomID: target.id, roomName: target.name, userID: user.id, topic: topic, proStyle: "Pro", conStyle: "Con",
            templateID: template, remixOf: remixOf, remixTokenID: remixToken, draftMaxLength: 500,
            maxAttempts: Self.policy.maxAttempts, traceID: "trace-\(topic.count)")
        return try await store.createBattle(draft, now: time ?? now)
    }

    /// Enqueues one reply job per persona for `post`, as `user`.
    @discardableResult
    func enqueue(
        _ post: Post, _ personas: [Persona], as user: User? = nil, maxAttempts: Int = StoreFixture.policy.maxAttempts,
        at time: Timestamp? = nil
    ) async throws -> EnqueueResult {
        try await store.enqueueReplies(
            postID: post.id, personaIDs: personas.map(\.id), userID: user?.id ?? personas.first?.userID ?? "",
            payloadExtra: ["trace_id": "trace"], maxAttempts: maxAttempts, now: time ?? now)
    }

    /// A reply of `persona` to `post` written through the queue (enqueue, claim, complete) at `time`; for tests
    /// with no other job waiting.
    func reply(to post: Post, by persona: Persona, content: String = "A reply.", at time: Timestamp? = nil) async throws {
        let at = time ?? now
        _ = try await store.enqueueReplies(
            postID: post.id, personaIDs: [persona.id], userID: persona.userID, payloadExtra: [:], maxAttempts: 3, now: at)
        let job = try #require(try await store.claimJobs(limit: 1, policy: Self.policy, now: at).first)
        #expect(job.postID == post.id && job.personaID == persona.id)
        #expect(try await store.completeReplyJob(job, content: content, post: post, quota: 1000, now: at) == .written)
    }

    /// Claims up to `limit` jobs now under `policy`.
    func claim(_ limit: Int = 1, policy: QueuePolicy = StoreFixture.policy) async throws -> [ClaimedJob] {
        try await store.claimJobs(limit: limit, policy: policy, now: now)
    }

    /// Active reply jobs (`queueDepth` of the reply kind).
    func depth(maxAttempts: Int = StoreFixture.policy.maxAttempts) async throws -> Int {
        try await store.queueDepth(maxAttempts: maxAttempts)[JobKind.generateReply.rawValue] ?? 0
    }

    /// A user with a persona, and a published post of another user's persona for it to reply to.
    func replyScene(replyQuota: Int = 25) async throws -> (user: User, persona: Persona, post: Post) {
        let owner = try await user("owner")
        let persona = try await persona(of: owner, replyQuota: replyQuota)
        let author = try await user("author")
        let authorPersona = try await self.persona(of: author, name: "Author")
        let post = try await publishedPost(by: authorPersona)
        return (owner, persona, post)
    }

    /// Stored events of `name` (rows, not the per-actor analytics count).
    func storedEvents(_ name: String) async throws -> Int {
        try await TestDatabase.open(dir).int("SELECT COUNT(*) FROM events WHERE event_name = ?", [name]) ?? 0
    }

    /// Events analytics counted today, by name (each actor once per name, battle and day).
    func eventsToday() async throws -> [String: Int] {
        try await store.eventCounts(since24h: now.adding(seconds: -86_400), since7d: now.adding(seconds: -7 * 86_400)).day
    }
}

/// Runs `body(0)` … `body(count - 1)` at once, each in its own task, and returns their outcomes (value or error)
/// in index order, for the races.
func concurrently<T: Sendable>(
    _ count: Int, _ body: @escaping @Sendable (Int) async throws -> T
) async -> [Result<T, any Error>] {
    await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
        for n in 0..<count {
            group.addTask {
                do { return (n, .success(try await body(n))) } catch { return (n, .failure(error)) }
            }
        }
        return await group.reduce(into: [(Int, Result<T, any Error>)]()) { $0.append($1) }.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

extension Result {
    var value: Success? { try? get() }
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// A fresh anonymous actor (a client address digest): events with different actors count separately (DECISIONS 28).
func anonymousActor() -> String { EventActor.anonymous(addressDigest: Identifiers.newUUID()) }
