import Domain
import Foundation
import PostgresNIO
import Storage

/// A realistic engagement dataset for benchmarks and capacity checks (`seed --demo-scale N`): N users with one persona
/// each, 5·N published posts, 20·N follows and 100·N analytics events spread over the last 30 days, the same shape as
/// the SQLite engine's for the same N (`DemoScaleShape`, `SplitMix64`), written in batches of one transaction each.
extension PostgresStore {
    /// Creates the dataset; refuses (returns nil) when the database already holds one. `progress(stage, done, total)`.
    public func seedDemoScale(
        _ n: Int, passwordHash: String, now: Timestamp, progress: @escaping @Sendable (String, Int, Int) -> Void
    ) async throws -> DemoScale? {
        guard n > 0 else { return DemoScale(users: 0, posts: 0, follows: 0, events: 0) }
        if try await quick({ db in
            try await db.value("SELECT EXISTS(SELECT 1 FROM users WHERE email = \(scaleUserEmail(0)))", as: Bool.self) ?? false
        }) {
            return nil
        }
        let rooms = try await quick { db in try await db.column("SELECT id FROM rooms ORDER BY slug COLLATE \"C\"", as: UUID.self) }
        let templates = try await quick { db in try await db.column("SELECT id FROM templates WHERE is_public", as: UUID.self) }
        let month: Int64 = 30 * 86_400_000_000
        var rng = SplitMix64(seed: UInt64(n))
        let users = (0..<n).map { _ in UUID() }
        let personas = (0..<n).map { _ in UUID() }

        try await batches(n, stage: "users", progress: progress) { db, range in
            for i in range {
                let ts = now.adding(microseconds: -month + Int64(i))
                try await db.execute(
                    "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (\(users[i]), \(scaleUserEmail(i)), \(passwordHash), \(ts), \(ts))"
                )
                try await db.execute(
                    """
                    INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, preferred_language, formality, created_at, updated_at)
                    VALUES (\(personas[i]), \(users[i]), \("Scale Persona \(i)"), 'A scale persona.', 'calm', '["a","b","c"]', \(i % 5 == 0 ? "tr" : "en"),
                      \(i % 4), \(ts), \(ts))
                    """)
                if i % 10 == 0 {
                    try await db.execute(
                        "INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio, created_at) VALUES (\(personas[i]), \("scale-\(i)"), TRUE, '', \(ts))"
                    )
                }
            }
        }

        let postCount = 5 * n
        let posts = (0..<postCount).map { _ in UUID() }
        let postSeeds = (0..<postCount).map { _ in (rng.next(n), rng.next(Int(month / 1_000_000)), rng.next(rooms.count), rng.next(4)) }
        try await batches(postCount, stage: "posts", progress: progress) { db, range in
            for i in range {
                let (owner, ageSeconds, room, kind) = postSeeds[i]
                let ts = now.adding(microseconds: -Int64(ageSeconds) * 1_000_000)
                let template: UUID? = kind == 0 && i % 5 == 0 && !templates.isEmpty ? templates[i % templates.count] : nil
                try await db.execute(
                    """
                    INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at, template_id)
                    VALUES (\(posts[i]), \(rooms[room]), \(personas[owner]), \(users[owner]), 'AI_DRAFT_APPROVED', 'PUBLISHED',
                      \("Topic: Scale battle \(i). Small experiments beat big plans."), \(ts), \(ts), \(ts), \(template))
                    """)
            }
        }

        let followSeeds = (0..<(20 * n)).map { _ in (rng.next(n), rng.next(n)) }
        try await batches(followSeeds.count, stage: "follows", progress: progress) { db, range in
            for i in range {
                let (follower, persona) = followSeeds[i]
                guard follower != persona else { continue }
                try await db.execute(
                    """
                    INSERT INTO persona_follows(follower_user_id, followed_persona_id, created_at)
                    VALUES (\(users[follower]), \(personas[persona]), \(now.adding(microseconds: -month))) ON CONFLICT DO NOTHING
                    """)
            }
        }
        let follows = try await quick { db in try await db.value("SELECT COUNT(*) FROM persona_follows", as: Int.self) ?? 0 }

        let eventCount = 100 * n
        let eventSeeds = (0..<eventCount).map { _ in (rng.next(100), rng.next(n + n / 4), rng.next(postCount), rng.next(Int(month / 1000))) }
        try await batches(eventCount, stage: "events", size: 20_000, progress: progress) { db, range in
            for i in range {
                let (kind, who, post, ageMillis) = eventSeeds[i]
                let user: UUID? = who < n ? users[who] : nil
                let (name, metadata) = DemoScaleShape.event(
                    kind, battle: posts[post].lower, source: posts[(post + 7) % postCount].lower, persona: personas[post % n].lower)
                try await db.execute(
                    """
                    INSERT INTO events(user_id, event_name, metadata, created_at)
                    VALUES (\(user), \(name), \(JSONB(metadata)), \(now.adding(microseconds: -Int64(ageMillis) * 1000)))
                    """)
            }
        }
        _ = try await quick { db in try await db.execute("ANALYZE") }
        return DemoScale(users: n, posts: postCount, follows: follows, events: eventCount)
    }

    /// Runs `body` over `0..<total` in chunks of `size`, one write transaction each, reporting progress.
    private func batches(
        _ total: Int, stage: String, size: Int = 5_000, progress: @escaping @Sendable (String, Int, Int) -> Void,
        _ body: @escaping @Sendable (Connection, Range<Int>) async throws -> Void
    ) async throws {
        var start = 0
        while start < total {
            let range = start..<min(total, start + size)
            try await write { db in try await body(db, range) }
            start = range.upperBound
            progress(stage, start, total)
        }
    }
}
