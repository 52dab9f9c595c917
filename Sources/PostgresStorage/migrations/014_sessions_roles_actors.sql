-- Migration 014 (SQLite's 0007): sessions, the stored admin role and the event actor. Every login token names a
-- session, so logout and "log out everywhere" end it at once on every node; a user's sessions go with the user. The
-- admin role is set by `personaworlds admin grant|revoke` (ADMIN_EMAILS only bootstraps it). An event's actor is the
-- user, else a keyed digest of the client address: each actor counts once per battle, event name and UTC day (NULL on
-- events written before it).
CREATE TABLE IF NOT EXISTS sessions (
  id         TEXT PRIMARY KEY,
  user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS idx_sessions_user_id ON sessions(user_id);
CREATE INDEX IF NOT EXISTS idx_sessions_expires_at ON sessions(expires_at);
ALTER TABLE users ADD COLUMN IF NOT EXISTS is_admin BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE events ADD COLUMN IF NOT EXISTS actor TEXT;
