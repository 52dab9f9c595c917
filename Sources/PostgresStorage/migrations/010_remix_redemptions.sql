-- Migration 010: remix tokens are single use. A battle created from a remix token records the token's id in the same
-- transaction, so a replayed token is refused even across nodes.
CREATE TABLE IF NOT EXISTS remix_redemptions (
  token_id   TEXT PRIMARY KEY,
  battle_id  UUID NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL
);
