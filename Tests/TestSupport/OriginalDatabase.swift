import Foundation
import PostgresStorage

/// A database as the original Go service leaves it: its schema (migrations 001-007, applied by its runner and recorded
/// in `schema_migrations` under its own file names) and rows written the way it writes them (bcrypt `$2a$10$` hashes,
/// server-side defaults for ids and timestamps, JSON metadata as documented). For the adoption tests.
public enum OriginalDatabase {
    /// The password of every fixture user, and its hash as the original stores it (bcrypt `$2a$`, cost 10).
    public static let password = "original-password"
    public static let passwordHash = "$2a$10$HkJp4.DooXL2g/KTQekbuucro8F93pYNCeR45DM1QC8r3nFxweiwO"

    /// The fixture's ids.
    public static let alice = "0a11ce00-0000-4000-8000-000000000001"
    public static let bob = "0b0b0000-0000-4000-8000-000000000002"
    public static let room = "00000000-0000-4000-8000-00000000000a"
    public static let ada = "00000000-0000-4000-8000-0000000000ad"
    public static let linus = "00000000-0000-4000-8000-00000000001e"
    public static let battle = "00000000-0000-4000-8000-0000000000ba"
    public static let reply = "00000000-0000-4000-8000-0000000000e1"

    /// How many PostgreSQL migrations this binary knows (the original's seven and ours).
    public static var knownMigrations: Int { PostgresMigrations.all.count }

    /// Creates an empty database on `cluster` with the original's schema only.
    public static func makeSchema(on cluster: PostgresCluster) async throws -> String {
        let name = try await cluster.emptyDatabase()
        _ = try await cluster.query(name, "CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())")
        for migration in PostgresMigrations.all.prefix(7) {
            for statement in PostgresMigrations.statements(migration.sql) { _ = try await cluster.query(name, statement) }
            let original = migration.version.prefix(4) + "original_name.sql"
            _ = try await cluster.query(name, "INSERT INTO schema_migrations(version) VALUES ('\(original)')")
        }
        return name
    }

    /// Creates the original's schema and fills it: two users, a room, two personas of Alice (Ada public, followed by
    /// Bob), a published battle with one reply by Ada, Bob's follow notification to Alice, an analytics event, a reply
    /// quota use, and a PENDING reply job for Linus on the battle.
    public static func make(on cluster: PostgresCluster) async throws -> String {
        let name = try await makeSchema(on: cluster)
        let statements = [
            """
            INSERT INTO users(id, email, password_hash, created_at, updated_at) VALUES
              ('\(alice)', 'orig-alice@example.com', '\(passwordHash)', NOW() - INTERVAL '3 days', NOW() - INTERVAL '3 days'),
              ('\(bob)', 'orig-bob@example.com', '\(passwordHash)', NOW() - INTERVAL '2 days', NOW() - INTERVAL '2 days')
            """,
            "INSERT INTO rooms(id, slug, name, description) VALUES ('\(room)', 'go-backend', 'go-backend', 'Backend architecture, APIs, and Go production patterns.')",
            """
            INSERT INTO personas(id, user_id, name, bio, tone, writing_samples, do_not_say, catchphrases, preferred_language, formality) VALUES
              ('\(ada)', '\(alice)', 'Old Ada', 'Counts everything.', 'dry', '["first sample", "second sample", "third sample"]', '["never"]', '[]', 'en', 2),
              ('\(linus)', '\(alice)', 'Old Linus', '', 'neutral', '["one", "two", "three"]', '[]', '["well, actually"]', 'en', 1)
            """,
            """
            INSERT INTO posts(id, room_id, persona_id, user_id, authored_by, status, content, published_at, template_id, created_at, updated_at)
            SELECT '\(battle)', '\(room)', NULL, '\(alice)', 'HUMAN', 'PUBLISHED', 'Is the original database adopted?', NOW() - INTERVAL '1 day', id,
                   NOW() - INTERVAL '1 day', NOW() - INTERVAL '1 day'
            FROM templates WHERE owner_user_id IS NULL
            """,
            """
            INSERT INTO replies(id, post_id, persona_id, user_id, authored_by, content, created_at, updated_at) VALUES
              ('\(reply)', '\(battle)', '\(ada)', '\(alice)', 'AI', 'An original reply by Ada.', NOW() - INTERVAL '23 hours', NOW() - INTERVAL '23 hours')
            """,
            "INSERT INTO persona_public_profiles(persona_id, slug, is_public, bio) VALUES ('\(ada)', 'old-ada', TRUE, 'Counts everything.')",
            "INSERT INTO persona_follows(follower_user_id, followed_persona_id) VALUES ('\(bob)', '\(ada)')",
            """
            INSERT INTO notifications(user_id, actor_user_id, type, title, body, metadata) VALUES
              ('\(alice)', '\(bob)', 'persona_followed', 'New follower', 'Someone followed Old Ada.', '{"persona_id": "\(ada)", "slug": "old-ada"}')
            """,
            "INSERT INTO events(user_id, event_name, metadata) VALUES ('\(bob)', 'battle_shared', '{\"battle_id\": \"\(battle)\"}')",
            "INSERT INTO quota_events(persona_id, quota_type) VALUES ('\(ada)', 'reply')",
            """
            INSERT INTO jobs(job_type, post_id, persona_id, payload)
            SELECT 'generate_reply', '\(battle)', '\(linus)', jsonb_build_object('post_id', '\(battle)', 'persona_id', '\(linus)', 'template_id', template_id::text)
            FROM posts WHERE id = '\(battle)'
            """,
        ]
        for statement in statements { _ = try await cluster.query(name, statement) }
        return name
    }
}
