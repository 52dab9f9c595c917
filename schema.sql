-- PersonaWorlds appliance schema (SQLite 3.40+).
-- This file is the one schema source: the binary embeds it and applies it to a new database.
-- Timestamps are fixed-width UTC text 'YYYY-MM-DDTHH:MM:SS.ffffffZ'; ids are lower-case v4 UUIDs.
-- Later schema changes are append-only migrations (Sources/Store/Migrations.swift); keep this file
-- equal to the fully migrated schema (StoreTests checks it).

CREATE TABLE IF NOT EXISTS schema_migrations (
  version    TEXT PRIMARY KEY NOT NULL,
  applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);

CREATE TABLE IF NOT EXISTS users (
  id            TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))),2) || '-' || lower(hex(randomblob(6)))),
  email         TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  updated_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);

CREATE TABLE IF NOT EXISTS personas (
  id                 TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))),2) || '-' || lower(hex(randomblob(6)))),
  user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name               TEXT NOT NULL,
  bio                TEXT NOT NULL DEFAULT '',
  tone               TEXT NOT NULL DEFAULT 'neutral',
  daily_draft_quota  INTEGER NOT NULL DEFAULT 5,
  daily_reply_quota  INTEGER NOT NULL DEFAULT 25,
  created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  writing_samples    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(writing_samples) AND json_type(writing_samples) = 'array'),
  do_not_say         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(do_not_say) AND json_type(do_not_say) = 'array'),
  catchphrases       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(catchphrases) AND json_type(catchphrases) = 'array'),
  preferred_language TEXT NOT NULL DEFAULT 'en' CONSTRAINT personas_preferred_language_check CHECK (preferred_language IN ('tr','en')),
  formality          INTEGER NOT NULL DEFAULT 1 CONSTRAINT personas_formality_check CHECK (formality BETWEEN 0 AND 3)
);
CREATE INDEX IF NOT EXISTS idx_personas_user_id ON personas(user_id);

CREATE TABLE IF NOT EXISTS rooms (
  id          TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))),2) || '-' || lower(hex(randomblob(6)))),
  slug        TEXT NOT NULL CONSTRAINT rooms_slug_key UNIQUE,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);

CREATE TABLE IF NOT EXISTS templates (
  id            TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))),2) || '-' || lower(hex(randomblob(6)))),
  owner_user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
  name          TEXT NOT NULL,
  prompt_rules  TEXT NOT NULL,
  turn_count    INTEGER NOT NULL CHECK (turn_count BETWEEN 2 AND 20),
  word_limit    INTEGER NOT NULL CHECK (word_limit BETWEEN 40 AND 500),
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  is_public     INTEGER NOT NULL DEFAULT 1 CHECK (is_public IN (0,1))
);
CREATE INDEX IF NOT EXISTS idx_templates_public_created_at ON templates(is_public, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_templates_owner_created_at ON templates(owner_user_id, created_at DESC);

CREATE TABLE IF NOT EXISTS posts (
  id           TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))),2) || '-' || lower(hex(randomblob(6)))),
  room_id      TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  persona_id   TEXT REFERENCES personas(id) ON DELETE SET NULL,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  authored_by  TEXT NOT NULL CHECK (authored_by IN ('AI','HUMAN','AI_DRAFT_APPROVED')),
  status       TEXT NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','PUBLISHED')),
  content      TEXT NOT NULL,
  published_at TEXT,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  template_id  TEXT REFERENCES templates(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS idx_posts_room_id_created_at ON posts(room_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_posts_user_id ON posts(user_id);
CREATE INDEX IF NOT EXISTS idx_posts_template_id_created_at ON posts(template_id, created_at DESC);

CREATE TABLE IF NOT EXISTS replies (
  id          TEXT PRIMARY KEY NOT NULL DEFAULT (lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))),2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))),2) || '-' || lower(hex(randomblob(6)))),
  post_id     TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  persona_id  TEXT REFERENCES personas(id) ON DELETE SET NULL,
  user_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
  authored_by TEXT NOT NULL CHECK (authored_by IN ('AI','HUMAN','AI_DRAFT_APPROVED')),
  content     TEXT NOT NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE INDEX IF NOT EXISTS idx_replies_post_id_created_at ON replies(post_id, created_at ASC);
CREATE UNIQUE INDEX IF NOT EXISTS uq_reply_per_persona_per_post ON replies(post_id, persona_id) WHERE persona_id IS NOT NULL;

CREATE TABLE IF NOT EXISTS jobs (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  job_type     TEXT NOT NULL,
  post_id      TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  persona_id   TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  payload      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
  status       TEXT NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','PROCESSING','DONE','FAILED')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  available_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  locked_at    TEXT,
  error        TEXT,
  created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  updated_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE INDEX IF NOT EXISTS idx_jobs_status_available_at ON jobs(status, available_at);

CREATE TABLE IF NOT EXISTS quota_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  persona_id TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  quota_type TEXT NOT NULL CONSTRAINT quota_events_quota_type_check CHECK (quota_type IN ('draft','reply','preview')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE INDEX IF NOT EXISTS idx_quota_events_persona_type_created_at ON quota_events(persona_id, quota_type, created_at DESC);

CREATE TABLE IF NOT EXISTS persona_activity_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  persona_id TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  type       TEXT NOT NULL CHECK (type IN ('post_created','reply_generated','thread_participated')),
  metadata   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE INDEX IF NOT EXISTS idx_persona_activity_events_persona_type_created_at ON persona_activity_events(persona_id, type, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_persona_activity_events_persona_created_at ON persona_activity_events(persona_id, created_at DESC);

CREATE TABLE IF NOT EXISTS persona_digests (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  persona_id TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  date       TEXT NOT NULL CHECK (date IS date(date)),
  summary    TEXT NOT NULL DEFAULT '',
  stats      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(stats)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_persona_digests_persona_date ON persona_digests(persona_id, date);
CREATE INDEX IF NOT EXISTS idx_persona_digests_persona_date ON persona_digests(persona_id, date DESC);

CREATE TABLE IF NOT EXISTS persona_public_profiles (
  persona_id TEXT PRIMARY KEY NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  slug       TEXT NOT NULL CONSTRAINT persona_public_profiles_slug_key UNIQUE,
  is_public  INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0,1)),
  bio        TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE INDEX IF NOT EXISTS idx_persona_public_profiles_slug_public ON persona_public_profiles(slug, is_public);

CREATE TABLE IF NOT EXISTS persona_follows (
  follower_user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  followed_persona_id TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  PRIMARY KEY (follower_user_id, followed_persona_id)
);
CREATE INDEX IF NOT EXISTS idx_persona_follows_followed_persona_created_at ON persona_follows(followed_persona_id, created_at DESC);

CREATE TABLE IF NOT EXISTS events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    TEXT REFERENCES users(id) ON DELETE SET NULL,
  event_name TEXT NOT NULL,
  metadata   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE INDEX IF NOT EXISTS idx_events_created_at ON events(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_events_name_created_at ON events(event_name, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_events_user_created_at ON events(user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_events_battle_id_created_at ON events((metadata->>'battle_id'), created_at DESC);
CREATE INDEX IF NOT EXISTS idx_events_source_battle_id_created_at ON events((metadata->>'source_battle_id'), created_at DESC);

CREATE TABLE IF NOT EXISTS notifications (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  actor_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
  type          TEXT NOT NULL CHECK (type IN ('battle_remixed','template_used','persona_followed')),
  title         TEXT NOT NULL,
  body          TEXT NOT NULL DEFAULT '',
  metadata      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
  read_at       TEXT,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z')
);
CREATE INDEX IF NOT EXISTS idx_notifications_user_read_created_at ON notifications(user_id, read_at, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_notifications_user_created_at ON notifications(user_id, created_at DESC);

CREATE TABLE IF NOT EXISTS weekly_digests (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  week_start TEXT NOT NULL CHECK (week_start IS date(week_start)),
  items      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(items)),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:','now') || strftime('%f','now') || '000Z'),
  CONSTRAINT weekly_digests_user_id_week_start_key UNIQUE (user_id, week_start)
);
CREATE INDEX IF NOT EXISTS idx_weekly_digests_user_week_start ON weekly_digests(user_id, week_start DESC);

-- Scale-plan indexes
CREATE INDEX IF NOT EXISTS idx_posts_persona_published_created_id ON posts(persona_id, created_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX IF NOT EXISTS idx_posts_published_created_at ON posts(created_at DESC) WHERE status = 'PUBLISHED';
CREATE INDEX IF NOT EXISTS idx_jobs_active_pick ON jobs(available_at, created_at, attempts) WHERE status IN ('PENDING','FAILED');
CREATE INDEX IF NOT EXISTS idx_jobs_dedupe_lookup ON jobs(post_id, persona_id, job_type, status);
CREATE INDEX IF NOT EXISTS idx_events_user_event_created ON events(user_id, event_name, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_events_engagement_battle ON events(event_name, created_at DESC, COALESCE(NULLIF(metadata->>'source_battle_id',''), NULLIF(metadata->>'battle_id','')));
CREATE UNIQUE INDEX IF NOT EXISTS uq_jobs_active_generate_reply ON jobs(post_id, persona_id) WHERE job_type = 'generate_reply' AND status IN ('PENDING','PROCESSING');

-- Seed: system template (idempotent)
INSERT INTO templates(owner_user_id, name, prompt_rules, turn_count, word_limit, is_public)
SELECT NULL, 'Claim/Evidence 6 turns',
       'Alternate claims and evidence. Keep each turn practical and concrete. No personal attacks.',
       6, 120, 1
WHERE NOT EXISTS (SELECT 1 FROM templates WHERE owner_user_id IS NULL AND lower(name) = lower('Claim/Evidence 6 turns'));

-- Migration 0002: LLM response cache. Keyed by a hash of provider, model, operation
-- and prompt; thread summaries by post and the latest reply change.
CREATE TABLE IF NOT EXISTS llm_cache (
  cache_key  TEXT PRIMARY KEY NOT NULL,
  operation  TEXT NOT NULL,
  response   TEXT NOT NULL,
  created_at TEXT NOT NULL
);
-- Enqueue-time reply quota counts a persona's queued jobs.
CREATE INDEX IF NOT EXISTS idx_jobs_persona_status ON jobs(persona_id, status);

-- Migration 0003: remix tokens are single use. A battle created from a remix token records the token's
-- id in the same transaction, so a replayed token is refused even across processes.
CREATE TABLE IF NOT EXISTS remix_redemptions (
  token_id   TEXT PRIMARY KEY NOT NULL,
  battle_id  TEXT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL
);

-- Migration 0004: digest work leases. The digest scheduler claims a subject (a persona's day, a user's week)
-- in a write transaction before computing it outside any transaction, so two processes sharing the file never
-- compute or write the same digest twice; a weekly lease also records "checked, unchanged" until its expiry.
CREATE TABLE IF NOT EXISTS digest_leases (
  kind       TEXT NOT NULL CHECK (kind IN ('daily','weekly')),
  subject_id TEXT NOT NULL,
  period     TEXT NOT NULL,
  holder     TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (kind, subject_id, period)
);
-- Today's activity across all personas, for picking whose daily digest is due.
CREATE INDEX IF NOT EXISTS idx_persona_activity_events_created_at ON persona_activity_events(created_at);

-- Migration 0006: per-day quota counters. A use of a daily quota is one conditional upsert on its persona's row
-- for the UTC day (it moves only while below the limit), so concurrent writers can never exceed a quota and the
-- check costs one primary-key lookup instead of counting the day's quota_events.
CREATE TABLE IF NOT EXISTS quota_counters (
  persona_id TEXT NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  quota_type TEXT NOT NULL CHECK (quota_type IN ('draft','reply','preview')),
  day        TEXT NOT NULL CHECK (day IS date(day)),
  used       INTEGER NOT NULL CHECK (used >= 0),
  PRIMARY KEY (persona_id, quota_type, day)
) WITHOUT ROWID;

-- Migration 0007: sessions, the stored admin role and the event actor.
-- Every login token names a session, so logout and "log out everywhere" end it at once on every process sharing the
-- database; a user's sessions go with the user.
CREATE TABLE IF NOT EXISTS sessions (
  id         TEXT PRIMARY KEY NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX IF NOT EXISTS idx_sessions_user_id ON sessions(user_id);
CREATE INDEX IF NOT EXISTS idx_sessions_expires_at ON sessions(expires_at);
-- The admin role is stored, set by `personaworlds admin grant|revoke` (ADMIN_EMAILS only bootstraps it).
ALTER TABLE users ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0,1));
-- Who an event counts for (the user, else a keyed digest of the client address): each actor counts once per battle,
-- event name and UTC day in trending, digests and the admin summary. NULL on events written before it.
ALTER TABLE events ADD COLUMN actor TEXT;

-- Migration 0008: the operator console. Finished jobs by the time they finished (throughput, and later pruning), and
-- the processes sharing the database with their last heartbeat.
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

-- Migration 0009: engagement aggregates maintained with every event (DECISIONS 28's per-actor rule), so trending,
-- weekly digests and the admin summary read a few indexed rows instead of aggregating the whole events table.
-- event_actor_days holds each (UTC day, event name, battle key, actor) once ('' when the event names no battle) with
-- its latest event time (a window starting mid-day counts the keys seen since its start); a new key (the upsert
-- inserted, not updated) adds one to its per-day counts. Triggers keep them in the transaction that writes the event,
-- whichever writer it is. The counts are never pruned with events; event_actor_days is pruned with the raw events.
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

-- Migration 0010: retention pruning reads the expired rows in order of age: LLM cache entries by when they were
-- written, read notifications by when they were created.
CREATE INDEX IF NOT EXISTS idx_llm_cache_created_at ON llm_cache(created_at);
CREATE INDEX IF NOT EXISTS idx_notifications_read_created_at ON notifications(created_at) WHERE read_at IS NOT NULL;

-- Migration 0011: the trending window. battle_window_counts holds each battle's shares and remixes (the per-actor counts
-- of battle_engagement_days) summed over the days from trending_window.start_day on; triggers add each count as it
-- grows, and the index orders the battles by the trending pool's score (2 per share, 4 per remix), so the feed reads
-- its top battles without aggregating the window's days. A trending read whose window starts on another day moves the
-- window first: forward by subtracting the days it leaves, backward by recounting from the new start. It starts empty
-- ('9999-12-31'). The key columns of battle_engagement_days never change and its rows are never deleted.
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

-- Migration 0012: the feed counts each template's uses in the last 30 days from this index alone.
CREATE INDEX IF NOT EXISTS idx_posts_published_template_created_at ON posts(template_id, created_at) WHERE status = 'PUBLISHED';
