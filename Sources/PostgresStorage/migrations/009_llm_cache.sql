-- Migration 009: the LLM response cache, keyed by a hash of provider, model, operation and prompt (thread summaries
-- by post and its latest reply change); and the index behind the enqueue-time count of a persona's queued jobs.
CREATE TABLE IF NOT EXISTS llm_cache (
  cache_key  TEXT PRIMARY KEY,
  operation  TEXT NOT NULL,
  response   TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_jobs_persona_status ON jobs(persona_id, status);
