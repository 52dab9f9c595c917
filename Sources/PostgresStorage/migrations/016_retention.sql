-- Migration 016 (SQLite's 0010): the indexes behind the daily retention pass (cache entries by age, read
-- notifications by age), so pruning never scans a whole table.
CREATE INDEX IF NOT EXISTS idx_llm_cache_created_at ON llm_cache(created_at);
CREATE INDEX IF NOT EXISTS idx_notifications_read_created_at ON notifications(created_at) WHERE read_at IS NOT NULL;
