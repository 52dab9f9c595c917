import Domain
import GRDB
import Storage

/// Demo content for `seed --demo`: a user, a persona published as `demo-slug`, and one published post.
extension SQLiteStore {
    /// Idempotent: an existing demo user, persona or post is reused.
    public func seedDemo(email: String, passwordHash: String, now: Timestamp) async throws -> DemoSeed {
        try await write { db in
            let ts = now.storageString
            var userID = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM users WHERE email = ?"), arguments: [email])
            if userID == nil {
                userID = Identifiers.newUUID()
                try db.execute(
                    sql: "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [userID, email, passwordHash, ts, ts])
            }
            let user = userID!
            var personaID = try String.fetchOne(db.cachedStatement(sql: "SELECT persona_id FROM persona_public_profiles WHERE slug = 'demo-slug'"))
            if personaID == nil {
                personaID = Identifiers.newUUID()
                try db.execute(
                    sql: """
                        INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, do_not_say, catchphrases,
                          preferred_language, formality, daily_draft_quota, daily_reply_quota, created_at, updated_at)
                        VALUES (?, ?, 'Demo Persona', 'A friendly builder who shares small, practical lessons.', 'warm',
                          '["Ship small.","Measure twice.","Share what you learn."]', '[]', '["Small steps"]', 'en', 1, 5, 25, ?, ?)
                        """, arguments: [personaID, user, ts, ts])
                try db.execute(
                    sql: """
                        INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio, created_at) VALUES (?, 'demo-slug', 1, '', ?)
                        """, arguments: [personaID, ts])
            }
            let persona = personaID!
            var postID = try String.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT id FROM posts WHERE persona_id = ? AND status = 'PUBLISHED' ORDER BY created_at, id LIMIT 1
                        """), arguments: [persona])
            if postID == nil {
                postID = Identifiers.newUUID()
                let room =
                    try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM rooms WHERE slug = 'ai-builders'"))
                    ?? String.fetchOne(db.cachedStatement(sql: "SELECT id FROM rooms ORDER BY name LIMIT 1"))
                try db.execute(
                    sql: """
                        INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
                        VALUES (?, ?, ?, ?, 'AI_DRAFT_APPROVED', 'PUBLISHED',
                          'In ai-builders, small weekly experiments create compounding product learning. What is one example that worked for you?',
                          ?, ?, ?)
                        """, arguments: [postID, room, persona, user, ts, ts, ts])
            }
            return DemoSeed(userID: user, personaID: persona, postID: postID!)
        }
    }
}

/// Synthetic load data for benchmarks and tests: one user with many personas and published posts.
extension SQLiteStore {
    /// Migrates, seeds defaults, then inserts a user, `personas` personas and `posts` published posts in one transaction.
    public func seedSyntheticLoad(personas: Int, posts: Int, replyQuota: Int, now: Timestamp) async throws -> SyntheticLoad {
        try await migrate()
        try await seedDefaults(now: now)
        return try await write { conn in
            let user = Identifiers.newUUID()
            let ts = now.storageString
            try conn.execute(
                sql: "INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)",
                arguments: [user, "\(user)@example.com", ts, ts])
            let room = try String.fetchOne(conn, sql: "SELECT id FROM rooms ORDER BY name LIMIT 1")!
            var personaIDs: [String] = []
            for n in 0..<personas {
                let id = Identifiers.newUUID()
                try conn.execute(
                    sql: """
                        INSERT INTO personas(id, user_id, name, tone, writing_samples, daily_reply_quota, created_at, updated_at)
                        VALUES (?, ?, ?, 'calm', '["a","b","c"]', ?, ?, ?)
                        """, arguments: [id, user, "Persona \(n)", replyQuota, now.adding(microseconds: Int64(n)).storageString, ts])
                personaIDs.append(id)
            }
            var postIDs: [String] = []
            for n in 0..<posts {
                let id = Identifiers.newUUID()
                try conn.execute(
                    sql: """
                        INSERT INTO posts(id, room_id, user_id, authored_by, status, content, published_at, created_at, updated_at)
                        VALUES (?, ?, ?, 'HUMAN', 'PUBLISHED', ?, ?, ?, ?)
                        """, arguments: [id, room, user, "Post number \(n). What do you think?", ts, ts, ts])
                postIDs.append(id)
            }
            return SyntheticLoad(user: user, personas: personaIDs, posts: postIDs)
        }
    }

    /// Enqueues one PENDING job of `type` per persona on `postID` in one transaction; returns how many. For the queue
    /// benchmark's no-op jobs: a type no handler of the app knows, so a claim prefetches nothing for it, and only
    /// `generate_reply` jobs have an active-job guard.
    public func enqueueSyntheticJobs(type: String, postID: String, personaIDs: [String], now: Timestamp) async throws -> Int {
        try await write { db in
            let ts = now.storageString
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
                    VALUES (?, ?, ?, '{}', 'PENDING', 0, ?, ?, ?)
                    """)
            for personaID in personaIDs { try insert.execute(arguments: [type, postID, personaID, ts, ts, ts]) }
            return personaIDs.count
        }
    }
}
