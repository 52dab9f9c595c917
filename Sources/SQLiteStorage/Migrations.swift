/// The schema's version history. Migration 1 is `schema.sql`; later entries are append-only.
///
/// A new database gets `schema.sql` (the final state) and every version recorded at once; an older
/// database runs the versions it lacks, in order. Keep `schema.sql` equal to the fully migrated result.
public enum Migrations {
    /// A named, append-only schema change.
    public struct Migration: Sendable {
        public let version: String
        public let sql: String
    }

    /// All migrations, oldest first.
    public static let all: [Migration] = [
        Migration(version: "0001_schema.sql", sql: embeddedSchemaSQL),
        Migration(
            version: "0002_llm_cache.sql",
            sql: """
                CREATE TABLE IF NOT EXISTS llm_cache (
                  cache_key  TEXT PRIMARY KEY NOT NULL,
                  operation  TEXT NOT NULL,
                  response   TEXT NOT NULL,
                  created_at TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS idx_jobs_persona_status ON jobs(persona_id, status);
                """),
        Migration(
            version: "0003_remix_redemptions.sql",
            sql: """
                CREATE TABLE IF NOT EXISTS remix_redemptions (
                  token_id   TEXT PRIMARY KEY NOT NULL,
                  battle_id  TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                  created_at TEXT NOT NULL
                );
                """),
        Migration(
            version: "0004_digest_leases.sql",
            sql: """
                CREATE TABLE IF NOT EXISTS digest_leases (
                  kind       TEXT NOT NULL CHECK (kind IN ('daily','weekly')),
                  subject_id TEXT NOT NULL,
                  period     TEXT NOT NULL,
                  holder     TEXT NOT NULL,
                  expires_at TEXT NOT NULL,
                  PRIMARY KEY (kind, subject_id, period)
                );
                CREATE INDEX IF NOT EXISTS idx_persona_activity_events_created_at ON persona_activity_events(created_at);
                """),
        // Each index on `jobs` is paid for on every status change; this one repeated the first two columns
        // of `idx_jobs_dedupe_lookup`, so no query needed it (the plan tests pin which index each query uses).
        Migration(
            version: "0005_prune_job_indexes.sql",
            sql: """
                DROP INDEX IF EXISTS idx_jobs_post_persona;
                """),
        // Quota uses become one conditional upsert on a per-day counter (atomic on any engine). The counters of the
        // last two days are rebuilt from the recorded uses, so no quota resets at the upgrade.
        Migration(
            version: "0006_quota_counters.sql",
            sql: """
                CREATE TABLE IF NOT EXISTS quota_counters (
                  persona_id TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
                  quota_type TEXT NOT NULL CHECK (quota_type IN ('draft','reply','preview')),
                  day        TEXT NOT NULL CHECK (day IS date(day)),
                  used       INTEGER NOT NULL CHECK (used >= 0),
                  PRIMARY KEY (persona_id, quota_type, day)
                ) WITHOUT ROWID;
                INSERT INTO quota_counters(persona_id, quota_type, day, used)
                SELECT persona_id, quota_type, substr(created_at, 1, 10), COUNT(*) FROM quota_events
                WHERE created_at >= strftime('%Y-%m-%dT00:00:00.000000Z', 'now', '-1 day')
                GROUP BY persona_id, quota_type, substr(created_at, 1, 10)
                ON CONFLICT DO NOTHING;
                """),
        // Sessions (logout revokes), the stored admin role, the event actor (per-actor counting).
        Migration(
            version: "0007_sessions_roles_actors.sql",
            sql: """
                CREATE TABLE IF NOT EXISTS sessions (
                  id         TEXT PRIMARY KEY NOT NULL,
                  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  created_at TEXT NOT NULL,
                  expires_at TEXT NOT NULL,
                  revoked_at TEXT
                );
                CREATE INDEX IF NOT EXISTS idx_sessions_user_id ON sessions(user_id);
                CREATE INDEX IF NOT EXISTS idx_sessions_expires_at ON sessions(expires_at);
                ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0,1));
                ALTER TABLE events ADD COLUMN actor TEXT;
                """),
        // The operator console: finished jobs by finish time, and the processes sharing the database.
        Migration(
            version: "0008_operations.sql",
            sql: """
                CREATE INDEX IF NOT EXISTS idx_jobs_finished_updated_at ON jobs(updated_at) WHERE status IN ('DONE','FAILED');
                CREATE TABLE IF NOT EXISTS nodes (
                  id           TEXT PRIMARY KEY NOT NULL,
                  role         TEXT NOT NULL,
                  version      TEXT NOT NULL,
                  host         TEXT NOT NULL,
                  pid          INTEGER NOT NULL,
                  started_at   TEXT NOT NULL,
                  heartbeat_at TEXT NOT NULL
                );
                CREATE INDEX IF NOT EXISTS idx_nodes_heartbeat_at ON nodes(heartbeat_at);
                """),
        // Engagement aggregates maintained with every event (see schema.sql), backfilled from the events so far: each
        // (day, name, battle key, actor) once with its latest time, then its counts, then the triggers that keep them.
        Migration(
            version: "0009_engagement_aggregates.sql",
            sql: """
                CREATE TABLE IF NOT EXISTS event_actor_days (
                  day        TEXT NOT NULL,
                  event_name TEXT NOT NULL,
                  battle_key TEXT NOT NULL,
                  actor      TEXT NOT NULL,
                  last_at    TEXT NOT NULL,
                  PRIMARY KEY (day, event_name, battle_key, actor)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS idx_event_actor_days_day_last_at ON event_actor_days(day, last_at);
                CREATE TABLE IF NOT EXISTS battle_engagement_days (
                  battle_key TEXT NOT NULL,
                  event_name TEXT NOT NULL,
                  day        TEXT NOT NULL,
                  actors     INTEGER NOT NULL CHECK (actors >= 0),
                  PRIMARY KEY (battle_key, event_name, day)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS idx_battle_engagement_days_name_day ON battle_engagement_days(event_name, day, battle_key, actors);
                CREATE TABLE IF NOT EXISTS event_name_days (
                  day        TEXT NOT NULL,
                  event_name TEXT NOT NULL,
                  actors     INTEGER NOT NULL CHECK (actors >= 0),
                  PRIMARY KEY (day, event_name)
                ) WITHOUT ROWID;
                INSERT INTO event_actor_days(day, event_name, battle_key, actor, last_at)
                SELECT substr(created_at, 1, 10), event_name,
                       COALESCE(NULLIF(metadata->>'source_battle_id',''), NULLIF(metadata->>'battle_id',''), ''),
                       COALESCE(actor, user_id, 'event:' || id), MAX(created_at)
                FROM events GROUP BY 1, 2, 3, 4;
                INSERT INTO event_name_days(day, event_name, actors)
                SELECT day, event_name, COUNT(*) FROM event_actor_days GROUP BY day, event_name;
                INSERT INTO battle_engagement_days(battle_key, event_name, day, actors)
                SELECT battle_key, event_name, day, COUNT(*) FROM event_actor_days WHERE battle_key <> '' GROUP BY battle_key, event_name, day;
                CREATE TRIGGER IF NOT EXISTS event_actor_days_count AFTER INSERT ON event_actor_days BEGIN
                  INSERT INTO event_name_days(day, event_name, actors) VALUES (NEW.day, NEW.event_name, 1)
                    ON CONFLICT DO UPDATE SET actors = actors + 1;
                  INSERT INTO battle_engagement_days(battle_key, event_name, day, actors) SELECT NEW.battle_key, NEW.event_name, NEW.day, 1
                    WHERE NEW.battle_key <> '' ON CONFLICT DO UPDATE SET actors = actors + 1;
                END;
                CREATE TRIGGER IF NOT EXISTS events_actor_day AFTER INSERT ON events BEGIN
                  INSERT INTO event_actor_days(day, event_name, battle_key, actor, last_at)
                  VALUES (substr(NEW.created_at, 1, 10), NEW.event_name,
                          COALESCE(NULLIF(NEW.metadata->>'source_battle_id',''), NULLIF(NEW.metadata->>'battle_id',''), ''),
                          COALESCE(NEW.actor, NEW.user_id, 'event:' || NEW.id), NEW.created_at)
                  ON CONFLICT DO UPDATE SET last_at = excluded.last_at WHERE excluded.last_at > last_at;
                END;
                """),
        // Retention pruning reads the expired rows in order of age: LLM cache entries by when they were written, read
        // notifications by when they were created.
        Migration(
            version: "0010_retention.sql",
            sql: """
                CREATE INDEX IF NOT EXISTS idx_llm_cache_created_at ON llm_cache(created_at);
                CREATE INDEX IF NOT EXISTS idx_notifications_read_created_at ON notifications(created_at) WHERE read_at IS NOT NULL;
                """),
        // The trending window (see schema.sql): each battle's shares and remixes over the days from the window's start
        // on, kept by triggers on battle_engagement_days and ordered by the trending pool's score. It starts empty
        // ('9999-12-31'); the first trending read counts it from its window's first day.
        Migration(
            version: "0011_trending_window.sql",
            sql: """
                CREATE TABLE IF NOT EXISTS trending_window (
                  id        INTEGER PRIMARY KEY CHECK (id = 1),
                  start_day TEXT NOT NULL
                );
                INSERT INTO trending_window(id, start_day) VALUES (1, '9999-12-31') ON CONFLICT DO NOTHING;
                CREATE TABLE IF NOT EXISTS battle_window_counts (
                  battle_key TEXT PRIMARY KEY NOT NULL,
                  shares     INTEGER NOT NULL CHECK (shares >= 0),
                  remixes    INTEGER NOT NULL CHECK (remixes >= 0)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS idx_battle_window_counts_score ON battle_window_counts(shares * 2 + remixes * 4);
                CREATE TRIGGER IF NOT EXISTS battle_window_counts_insert AFTER INSERT ON battle_engagement_days
                WHEN NEW.event_name IN ('battle_shared', 'remix_completed') AND NEW.day >= (SELECT start_day FROM trending_window WHERE id = 1)
                BEGIN
                  INSERT INTO battle_window_counts(battle_key, shares, remixes)
                  VALUES (NEW.battle_key, (NEW.event_name = 'battle_shared') * NEW.actors, (NEW.event_name = 'remix_completed') * NEW.actors)
                  ON CONFLICT DO UPDATE SET shares = shares + excluded.shares, remixes = remixes + excluded.remixes;
                END;
                CREATE TRIGGER IF NOT EXISTS battle_window_counts_update AFTER UPDATE OF actors ON battle_engagement_days
                WHEN NEW.event_name IN ('battle_shared', 'remix_completed') AND NEW.day >= (SELECT start_day FROM trending_window WHERE id = 1)
                BEGIN
                  INSERT INTO battle_window_counts(battle_key, shares, remixes)
                  VALUES (NEW.battle_key, (NEW.event_name = 'battle_shared') * (NEW.actors - OLD.actors),
                          (NEW.event_name = 'remix_completed') * (NEW.actors - OLD.actors))
                  ON CONFLICT DO UPDATE SET shares = shares + excluded.shares, remixes = remixes + excluded.remixes;
                END;
                """),
        // The feed's template uses in the last 30 days counted from an index alone (the status was read from each post).
        Migration(
            version: "0012_feed_template_uses.sql",
            sql: """
                CREATE INDEX IF NOT EXISTS idx_posts_published_template_created_at ON posts(template_id, created_at) WHERE status = 'PUBLISHED';
                """),
    ]

    /// The full schema as shipped in this binary.
    public static var schemaSQL: String { embeddedSchemaSQL }
}
