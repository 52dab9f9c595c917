-- Migration 013: per-day quota counters. A use of a daily quota is one conditional upsert on its persona's row for the
-- UTC day (it moves only while below the limit), so concurrent writers on any number of nodes never exceed a quota.
-- The counters of the last two days are rebuilt from the recorded uses, so no quota resets at the upgrade.
CREATE TABLE IF NOT EXISTS quota_counters (
  persona_id UUID NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  quota_type TEXT NOT NULL CHECK (quota_type IN ('draft', 'reply', 'preview')),
  day        DATE NOT NULL,
  used       INT NOT NULL CHECK (used >= 0),
  PRIMARY KEY (persona_id, quota_type, day)
);
INSERT INTO quota_counters(persona_id, quota_type, day, used)
SELECT persona_id, quota_type, (created_at AT TIME ZONE 'UTC')::date, COUNT(*) FROM quota_events
WHERE created_at >= date_trunc('day', NOW() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - INTERVAL '1 day'
GROUP BY persona_id, quota_type, (created_at AT TIME ZONE 'UTC')::date
ON CONFLICT DO NOTHING;
