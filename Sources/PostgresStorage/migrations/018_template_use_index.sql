-- Migration 018: the feed counts each template's uses in the last 30 days from this index alone (the twin of SQLite's
-- migration 0012, so both engines keep the same indexes).
CREATE INDEX IF NOT EXISTS idx_posts_published_template_created_at ON posts(template_id, created_at) WHERE status = 'PUBLISHED';
