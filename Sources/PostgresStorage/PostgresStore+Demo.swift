import Domain
import Foundation
import PostgresNIO
import Storage

/// Demo content for `seed --demo` and the queue benchmark's fixture.
extension PostgresStore {
    /// A demo user, a persona published as `demo-slug` and one published post; idempotent (an existing demo user,
    /// persona or post is reused).
    public func seedDemo(email: String, passwordHash: String, now: Timestamp) async throws -> DemoSeed {
        try await write { db in
            var user = try await db.value("SELECT id FROM users WHERE email = \(email)", as: UUID.self)
            if user == nil {
                let made = UUID()
                try await db.execute(
                    "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (\(made), \(email), \(passwordHash), \(now), \(now))")
                user = made
            }
            let userID = user!
            var persona = try await db.value("SELECT persona_id FROM persona_public_profiles WHERE slug = 'demo-slug'", as: UUID.self)
            if persona == nil {
                let made = UUID()
                try await db.execute(
                    """
                    INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, do_not_say, catchphrases,
                      preferred_language, formality, daily_draft_quota, daily_reply_quota, created_at, updated_at)
                    VALUES (\(made), \(userID), 'Demo Persona', 'A friendly builder who shares small, practical lessons.', 'warm',
                      '["Ship small.","Measure twice.","Share what you learn."]', '[]', '["Small steps"]', 'en', 1, 5, 25, \(now), \(now))
                    """)
                try await db.execute(
                    """
                    INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio, created_at) VALUES (\(made), 'demo-slug', TRUE, '', \(now))
                    """)
                persona = made
            }
            let personaID = persona!
            var post = try await db.value(
                "SELECT id FROM posts WHERE persona_id = \(personaID) AND status = 'PUBLISHED' ORDER BY created_at, id LIMIT 1", as: UUID.self)
            if post == nil {
                let made = UUID()
                var room = try await db.value("SELECT id FROM rooms WHERE slug = 'ai-builders'", as: UUID.self)
                if room == nil { room = try await db.value("SELECT id FROM rooms ORDER BY name COLLATE \"C\" LIMIT 1", as: UUID.self) }
                try await db.execute(
                    """
                    INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
                    VALUES (\(made), \(room), \(personaID), \(userID), 'AI_DRAFT_APPROVED', 'PUBLISHED',
                      'In ai-builders, small weekly experiments create compounding product learning. What is one example that worked for you?',
                      \(now), \(now), \(now))
                    """)
                post = made
            }
            return DemoSeed(userID: userID.lower, personaID: personaID.lower, postID: post!.lower)
        }
    }

    /// Migrates, seeds defaults, then inserts a user, `personas` personas and `posts` published posts in one transaction.
    public func seedSyntheticLoad(personas: Int, posts: Int, replyQuota: Int, now: Timestamp) async throws -> SyntheticLoad {
        try await migrate()
        try await seedDefaults(now: now)
        return try await write { db in
            let user = UUID()
            try await db.execute(
                "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (\(user), \(user.lower + "@example.com"), 'x', \(now), \(now))"
            )
            let room = try await db.value("SELECT id FROM rooms ORDER BY name COLLATE \"C\" LIMIT 1", as: UUID.self)
            var personaIDs: [String] = []
            for n in 0..<personas {
                let id = UUID()
                try await db.execute(
                    """
                    INSERT INTO personas(id, user_id, name, tone, writing_samples, daily_reply_quota, created_at, updated_at)
                    VALUES (\(id), \(user), \("Persona \(n)"), 'calm', '["a","b","c"]', \(replyQuota), \(now.adding(microseconds: Int64(n))), \(now))
                    """)
                personaIDs.append(id.lower)
            }
            var postIDs: [String] = []
            for n in 0..<posts {
                let id = UUID()
                try await db.execute(
                    """
                    INSERT INTO posts(id, room_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
                    VALUES (\(id), \(room), \(user), 'HUMAN', 'PUBLISHED', \("Post number \(n). What do you think?"), \(now), \(now), \(now))
                    """)
                postIDs.append(id.lower)
            }
            return SyntheticLoad(user: user.lower, personas: personaIDs, posts: postIDs)
        }
    }
}
