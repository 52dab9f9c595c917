-- Migration 003: persona activity and the daily persona digests computed from it.
CREATE TABLE persona_activity_events (
  id         BIGSERIAL PRIMARY KEY,
  persona_id UUID NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  type       TEXT NOT NULL CHECK (type IN ('post_created', 'reply_generated', 'thread_participated')),
  metadata   JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE INDEX idx_persona_activity_events_persona_type_created_at ON persona_activity_events(persona_id, type, created_at DESC);
CREATE INDEX idx_persona_activity_events_persona_created_at ON persona_activity_events(persona_id, created_at DESC);

CREATE TABLE persona_digests (
  id         BIGSERIAL PRIMARY KEY,
  persona_id UUID NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  date       DATE NOT NULL,
  summary    TEXT NOT NULL DEFAULT '',
  stats      JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
CREATE UNIQUE INDEX uq_persona_digests_persona_date ON persona_digests(persona_id, date);
CREATE INDEX idx_persona_digests_persona_date ON persona_digests(persona_id, date DESC);
