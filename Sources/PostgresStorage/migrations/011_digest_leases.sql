-- Migration 011: digest work leases. A scheduler claims a subject (a persona's day, a user's week) with one conditional
-- upsert before computing it outside any transaction, so two nodes never compute or write the same digest twice; a
-- weekly lease also records "checked, unchanged" until its expiry. Plus the index that finds today's activity across
-- all personas (whose daily digest is due).
CREATE TABLE IF NOT EXISTS digest_leases (
  kind       TEXT NOT NULL CHECK (kind IN ('daily', 'weekly')),
  subject_id UUID NOT NULL,
  period     DATE NOT NULL,
  holder     TEXT NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (kind, subject_id, period)
);
CREATE INDEX IF NOT EXISTS idx_persona_activity_events_created_at ON persona_activity_events(created_at);
