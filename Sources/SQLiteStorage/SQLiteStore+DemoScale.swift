import Domain
import GRDB
import Storage

/// A realistic engagement dataset for benchmarks and capacity checks (`seed --demo-scale N`): N users with one
/// persona each, 5·N published posts, 20·N follows and 100·N analytics events spread over the last 30 days.
/// The same N gives the same shape (a fixed-seed generator), written in batches of one transaction each.
extension SQLiteStore {
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
            for i in range {
                let ts = now.adding(microseconds: -month + Int64(i)).storageString
                try db.cachedStatement(sql: "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [users[i], scaleUserEmail(i), passwordHash, ts, ts])
                try db.cachedStatement(
                    sql: """
                        INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, preferred_language, formality, created_at, updated_at)
                        VALUES (?, ?, ?, 'A scale persona.', 'calm', '["a","b","c"]', ?, ?, ?, ?)
                        """
                ).execute(arguments: [personas[i], users[i], "Scale Persona \(i)", i % 5 == 0 ? "tr" : "en", i % 4, ts, ts])
                if i % 10 == 0 {
                    try db.cachedStatement(
                        sql: "INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio, created_at) VALUES (?, ?, 1, '', ?)"
                    )
                    .execute(arguments: [personas[i], "scale-\(i)", ts])
                }
            }
        }

        let postCount = 5 * n
        let posts = (0..<postCount).map { _ in Identifiers.newUUID() }
        let postSeeds = (0..<postCount).map { _ in (rng.next(n), rng.next(Int(month / 1_000_000)), rng.next(rooms.count), rng.next(4)) }
        try await batches(postCount, stage: "posts", progress: progress) { db, range in
            for i in range {
                let (owner, ageSeconds, room, kind) = postSeeds[i]
                let ts = now.adding(microseconds: -Int64(ageSeconds) * 1_000_000).storageString
                let template: String? = kind == 0 && i % 5 == 0 && !templates.isEmpty ? templates[i % templates.count] : nil
                try db.cachedStatement(
                    sql: """
                        INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at, template_id)
                        VALUES (?, ?, ?, ?, 'AI_DRAFT_APPROVED', 'PUBLISHED', ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    posts[i], rooms[room], personas[owner], users[owner],
                    "Topic: Scale battle \(i). Small experiments beat big plans.", ts, ts, ts, template,
                ])
            }
        }

        let followSeeds = (0..<(20 * n)).map { _ in (rng.next(n), rng.next(n)) }
        try await batches(followSeeds.count, stage: "follows", progress: progress) { db, range in
            for i in range {
                let (follower, persona) = followSeeds[i]
                guard follower != persona else { continue }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO persona_follows(follower_user_id, followed_persona_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING
                        """
                ).execute(arguments: [users[follower], personas[persona], now.adding(microseconds: -month).storageString])
            }
        }
        let follows = try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM persona_follows") ?? 0 }

        let eventCount = 100 * n
        let eventSeeds = (0..<eventCount).map { _ in (rng.next(100), rng.next(n + n / 4), rng.next(postCount), rng.next(Int(month / 1000))) }
        // 5,000 events a transaction: each event also maintains the engagement aggregates (migration 0009's
        // triggers), and a transaction must stay well inside DB_QUERY_TIMEOUT on a slow or busy machine.
        try await batches(eventCount, stage: "events", size: 5_000, progress: progress) { db, range in
            for i in range {
                let (kind, who, post, ageMillis) = eventSeeds[i]
                let user: String? = who < n ? users[who] : nil
                let (name, metadata) = DemoScaleShape.event(
                    kind, battle: posts[post], source: posts[(post + 7) % postCount], persona: personas[post % n])
                try db.cachedStatement(sql: "INSERT INTO events(user_id, event_name, metadata, created_at) VALUES (?, ?, ?, ?)")
                    .execute(arguments: [user, name, metadata, now.adding(microseconds: -Int64(ageMillis) * 1000).storageString])
            }
        }
        try await write { db in try db.execute(sql: "ANALYZE") }
        return DemoScale(users: n, posts: postCount, follows: follows, events: eventCount)
    }

    /// Runs `body` over `0..<total` in chunks of `size`, one write transaction each, reporting progress.
    private func batches(
        _ total: Int, stage: String, size: Int = 5_000, progress: @escaping @Sendable (String, Int, Int) -> Void,
        _ body: @escaping @Sendable (Database, Range<Int>) throws -> Void
    ) async throws {
        var start = 0
        while start < total {
            let range = start..<min(total, start + size)
            try await write { db in try body(db, range) }
            start = range.upperBound
            progress(stage, start, total)
        }
    }
}
