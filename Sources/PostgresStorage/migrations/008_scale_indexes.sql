-- Migration 008 (the appliance's first addition): the scale plan's indexes. A database the original service wrote may
-- hold two active reply jobs for one (post, persona), which the original's enqueue could race into; all but the
-- oldest are finished as duplicates first, so the one-active-job guard can be built (their replies are written by the
-- job that stays).
UPDATE jobs SET status = 'DONE', locked_at = NULL, error = 'duplicate of an older active job', updated_at = NOW()
WHERE job_type = 'generate_reply' AND status IN ('PENDING', 'PROCESSING')
  AND EXISTS (SELECT 1 FROM jobs o WHERE o.post_id = jobs.post_id AND o.persona_id = jobs.persona_id
                AND o.job_type = 'generate_reply' AND o.status IN ('PENDING', 'PROCESSING') AND o.id < jobs.id);

CREATE INDEX IF NOT EXISTS idx_posts_persona_published_created_id ON posts(persona_id, created_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX IF NOT EXISTS idx_posts_published_created_at ON posts(created_at DESC) WHERE status = 'PUBLISHED';
CREATE INDEX IF NOT EXISTS idx_jobs_active_pick ON jobs(available_at, created_at, attempts) WHERE status IN ('PENDING', 'FAILED');
CREATE INDEX IF NOT EXISTS idx_jobs_dedupe_lookup ON jobs(post_id, persona_id, job_type, status);
CREATE INDEX IF NOT EXISTS idx_events_user_event_created ON events(user_id, event_name, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_events_engagement_battle ON events(event_name, created_at DESC, (COALESCE(NULLIF(metadata->>'source_battle_id', ''), NULLIF(metadata->>'battle_id', ''))));
CREATE UNIQUE INDEX IF NOT EXISTS uq_jobs_active_generate_reply ON jobs(post_id, persona_id) WHERE job_type = 'generate_reply' AND status IN ('PENDING', 'PROCESSING');
