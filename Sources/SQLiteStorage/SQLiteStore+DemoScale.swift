import Domain
import GRDB
import Storage

/// A realistic engagement dataset for benchmarks and capacity checks (`seed --demo-scale N`): N users with one
/// persona each, 5·N published posts, 20·N follows and 100·N analytics events spread over the last 30 days.
/// The same N gives the same shape (a fixed-seed generator).
///
/// A bulk load, not a request: each stage runs in large transactions without `DB_QUERY_TIMEOUT` and with a larger
/// page cache (`bulkCacheKiB`, the connection's own restored afterwards). The events go in one transaction that
/// suspends the engagement aggregates' triggers and the events' secondary indexes, writes the rows, then counts them
/// into the aggregates set-based (`aggregateBulkEvents`, exactly what the triggers would have written) and recreates
/// the indexes and triggers before it commits, so no other connection ever sees events without them.
extension SQLiteStore {
    /// The page cache of a bulk load (KiB): the events' tables and indexes of a 1M-event dataset stay in memory.
    static let bulkCacheKiB = 1_048_576
    /// Rows per transaction of the users, posts and follows stages.
    static let bulkBatchSize = 100_000
    /// Events between progress reports inside the events' transaction.
    static let bulkProgressStep = 10_000

    /// Creates the dataset; refuses (returns nil) when the file already holds one. `progress(stage, done, total)`.
    public func seedDemoScale(
        _ n: Int, passwordHash: String, now: Timestamp,
        progress: @escaping @Sendable (String, Int, Int) -> Void
    ) async throws -> DemoScale? {
        guard n > 0 else { return DemoScale(users: 0, posts: 0, follows: 0, events: 0) }
        if try await read({ db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM users WHERE email = ?)",
                arguments: [scaleUserEmail(0)]) ?? false
        }) {
            return nil
        }
        let rooms = try await read { db in try String.fetchAll(db, sql: "SELECT id FROM rooms ORDER BY slug") }
        let templates = try await read { db in try String.fetchAll(db, sql: "SELECT id FROM templates WHERE is_public = 1") }
        let month: Int64 = 30 * 86_400_000_000
        var rng = SplitMix64(seed: UInt64(n))
        let users = (0..<n).map { _ in Identifiers.newUUID() }
        let personas = (0..<n).map { _ in Identifiers.newUUID() }

        try await batches(n, stage: "users", progress: progress) { db, range in
            let user = try db.cachedStatement(sql: "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
            let persona = try db.cachedStatement(
                sql: """
                    INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, preferred_language, formality, created_at, updated_at)
                    VALUES (?, ?, ?, 'A scale persona.', 'calm', '["a","b","c"]', ?, ?, ?, ?)
                    """)
            let profile = try db.cachedStatement(
                sql: "INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio, created_at) VALUES (?, ?, 1, '', ?)")
            for i in range {
                let ts = now.adding(microseconds: -month + Int64(i)).storageString
                try user.execute(arguments: [users[i], scaleUserEmail(i), passwordHash, ts, ts])
                try persona.execute(arguments: [personas[i], users[i], "Scale Persona \(i)", i % 5 == 0 ? "tr" : "en", i % 4, ts, ts])
                if i % 10 == 0 { try profile.execute(arguments: [personas[i], "scale-\(i)", ts]) }
            }
        }

        let postCount = 5 * n
        let posts = (0..<postCount).map { _ in Identifiers.newUUID() }
        let postSeeds = (0..<postCount).map { _ in (rng.next(n), rng.next(Int(month / 1_000_000)), rng.next(rooms.count), rng.next(4)) }
        try await batches(postCount, stage: "posts", progress: progress) { db, range in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at, template_id)
                    VALUES (?, ?, ?, ?, 'AI_DRAFT_APPROVED', 'PUBLISHED', ?, ?, ?, ?, ?)
                    """)
            for i in range {
                let (owner, ageSeconds, room, kind) = postSeeds[i]
                let ts = now.adding(microseconds: -Int64(ageSeconds) * 1_000_000).storageString
                let template: String? = kind == 0 && i % 5 == 0 && !templates.isEmpty ? templates[i % templates.count] : nil
                try insert.execute(arguments: [
                    posts[i], rooms[room], personas[owner], users[owner],
                    "Topic: Scale battle \(i). Small experiments beat big plans.", ts, ts, ts, template,
                ])
            }
        }

        let followSeeds = (0..<(20 * n)).map { _ in (rng.next(n), rng.next(n)) }
        let followedAt = now.adding(microseconds: -month).storageString
        try await batches(followSeeds.count, stage: "follows", progress: progress) { db, range in
            let insert = try db.cachedStatement(
                sql: "INSERT INTO persona_follows(follower_user_id, followed_persona_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            for i in range {
                let (follower, persona) = followSeeds[i]
                guard follower != persona else { continue }
                try insert.execute(arguments: [users[follower], personas[persona], followedAt])
            }
        }
        let follows = try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM persona_follows") ?? 0 }

        let eventCount = 100 * n
        // Oldest first, so ids follow time as they do in a live database.
        let eventSeeds = (0..<eventCount).map { _ in (rng.next(100), rng.next(n + n / 4), rng.next(postCount), rng.next(Int(month / 1000))) }
            .sorted { $0.3 > $1.3 }
        try await bulkWrite { db in
            let lastID = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM events") ?? 0
            let suspended = try Self.suspendEventTriggersAndIndexes(db)
            let insert = try db.cachedStatement(sql: "INSERT INTO events(user_id, event_name, metadata, created_at) VALUES (?, ?, ?, ?)")
            for (i, seed) in eventSeeds.enumerated() {
                let (kind, who, post, ageMillis) = seed
                let user: String? = who < n ? users[who] : nil
                let (name, metadata) = DemoScaleShape.event(
                    kind, battle: posts[post], source: posts[(post + 7) % postCount], persona: personas[post % n])
                try insert.execute(arguments: [user, name, metadata, now.adding(microseconds: -Int64(ageMillis) * 1000).storageString])
                // 100% once the events are counted and indexed too (below).
                if (i + 1) % Self.bulkProgressStep == 0 && i + 1 < eventCount { progress("events", i + 1, eventCount) }
            }
            try Self.aggregateBulkEvents(db, after: lastID)
            try Self.restore(db, suspended)
            progress("events", eventCount, eventCount)
        }
        try await bulkWrite { db in try db.execute(sql: "ANALYZE") }
        return DemoScale(users: n, posts: postCount, follows: follows, events: eventCount)
    }

    /// Runs `body` over `0..<total` in chunks of `size`, one bulk transaction each, reporting progress.
    private func batches(
        _ total: Int, stage: String, size: Int = SQLiteStore.bulkBatchSize, progress: @escaping @Sendable (String, Int, Int) -> Void,
        _ body: @escaping @Sendable (Database, Range<Int>) throws -> Void
    ) async throws {
        var start = 0
        while start < total {
            let range = start..<min(total, start + size)
            try await bulkWrite { db in try body(db, range) }
            start = range.upperBound
            progress(stage, start, total)
        }
    }

    /// One `BEGIN IMMEDIATE` transaction without `DB_QUERY_TIMEOUT` (a seed is a one-off bulk job, not a request) and
    /// with a page cache of `bulkCacheKiB`; the connection's cache size is restored afterwards.
    private func bulkWrite(_ body: @escaping @Sendable (Database) throws -> Void) async throws {
        try await pool.writeWithoutTransaction { db in
            let cache = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -\(Self.bulkCacheKiB)")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(cache)") }
            try db.inTransaction(.immediate) {
                try body(db)
                return .commit
            }
        }
    }
}
