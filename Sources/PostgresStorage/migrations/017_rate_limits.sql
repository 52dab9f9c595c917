-- Migration 017 (PostgreSQL only): rate-limit buckets and login failure counters shared by every node, so a limit holds
-- across front ends. Times and levels are integers in microseconds and units, the in-memory bucket's exact arithmetic.
-- A row whose full_at has passed carries no information (an unknown key starts full) and is purged.
CREATE TABLE IF NOT EXISTS rate_limit_buckets (
  key           TEXT PRIMARY KEY,
  level         BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  delayed_until BIGINT NOT NULL DEFAULT -9223372036854775808,
  full_at       BIGINT NOT NULL,
  granted       BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX IF NOT EXISTS idx_rate_limit_buckets_full_at ON rate_limit_buckets(full_at);
