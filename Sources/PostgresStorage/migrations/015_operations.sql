-- Migration 015 (SQLite's 0008): the operator console. Finished jobs by the time they finished (throughput, and later
-- pruning), and the processes sharing the database with their last heartbeat.
CREATE INDEX IF NOT EXISTS idx_jobs_finished_updated_at ON jobs(updated_at) WHERE status IN ('DONE', 'FAILED');
CREATE TABLE IF NOT EXISTS nodes (
  id           TEXT PRIMARY KEY,
  role         TEXT NOT NULL,
  version      TEXT NOT NULL,
  host         TEXT NOT NULL,
  pid          INT NOT NULL,
  started_at   TIMESTAMPTZ NOT NULL,
  heartbeat_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_nodes_heartbeat_at ON nodes(heartbeat_at);
