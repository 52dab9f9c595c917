-- PersonaWorlds on PostgreSQL, migration 001: the original service's first schema (users, personas, rooms, posts,
-- replies, the job queue and quota events), as its schema reference documents it. Migrations 001-007 reproduce the
-- original's schema exactly, so a database the original created is adopted in place by applying only 008 onward.
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TYPE authored_by_enum AS ENUM ('AI', 'HUMAN', 'AI_DRAFT_APPROVED');
CREATE TYPE post_status_enum AS ENUM ('DRAFT', 'PUBLISHED');
CREATE TYPE job_status_enum AS ENUM ('PENDING', 'PROCESSING', 'DONE', 'FAILED');

CREATE TABLE users (
  id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE personas (
  id                UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name              TEXT NOT NULL,
  bio               TEXT NOT NULL DEFAULT '',
  tone              TEXT NOT NULL DEFAULT 'neutral',
  daily_draft_quota INT NOT NULL DEFAULT 5,
  daily_reply_quota INT NOT NULL DEFAULT 25,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_personas_user_id ON personas(user_id);

CREATE TABLE rooms (
  id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  slug        TEXT NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);

CREATE TABLE posts (
  id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  room_id      UUID NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  persona_id   UUID REFERENCES personas(id) ON DELETE SET NULL,
  user_id      UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  authored_by  authored_by_enum NOT NULL,
  status       post_status_enum NOT NULL DEFAULT 'DRAFT',
  content      TEXT NOT NULL,
  published_at TIMESTAMPTZ,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_posts_room_id_created_at ON posts(room_id, created_at DESC);
CREATE INDEX idx_posts_user_id ON posts(user_id);

CREATE TABLE replies (
  id          UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  post_id     UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  persona_id  UUID REFERENCES personas(id) ON DELETE SET NULL,
  user_id     UUID REFERENCES users(id) ON DELETE SET NULL,
  authored_by authored_by_enum NOT NULL,
  content     TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_replies_post_id_created_at ON replies(post_id, created_at ASC);
CREATE UNIQUE INDEX uq_reply_per_persona_per_post ON replies(post_id, persona_id) WHERE persona_id IS NOT NULL;

CREATE TABLE jobs (
  id           BIGSERIAL PRIMARY KEY,
  job_type     TEXT NOT NULL,
  post_id      UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  persona_id   UUID NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  payload      JSONB NOT NULL DEFAULT '{}',
  status       job_status_enum NOT NULL DEFAULT 'PENDING',
  attempts     INT NOT NULL DEFAULT 0,
  available_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  locked_at    TIMESTAMPTZ,
  error        TEXT,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at   TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_jobs_status_available_at ON jobs(status, available_at);
CREATE INDEX idx_jobs_post_persona ON jobs(post_id, persona_id);

CREATE TABLE quota_events (
  id         BIGSERIAL PRIMARY KEY,
  persona_id UUID NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  quota_type TEXT NOT NULL CHECK (quota_type IN ('draft', 'reply')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_quota_events_persona_type_created_at ON quota_events(persona_id, quota_type, created_at DESC);
