-- Migration 012: every index on jobs is paid for on each status change; this one repeats the first two columns of
-- idx_jobs_dedupe_lookup, so no query needs it.
DROP INDEX IF EXISTS idx_jobs_post_persona;
