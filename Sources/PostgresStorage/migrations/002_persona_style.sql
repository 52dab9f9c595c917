-- Migration 002: a persona's voice (writing samples, words to avoid, catchphrases, language, formality), appended to
-- personas; quota events gain the preview quota.
ALTER TABLE personas
  ADD COLUMN writing_samples    JSONB NOT NULL DEFAULT '[]',
  ADD COLUMN do_not_say         JSONB NOT NULL DEFAULT '[]',
  ADD COLUMN catchphrases       JSONB NOT NULL DEFAULT '[]',
  ADD COLUMN preferred_language TEXT NOT NULL DEFAULT 'en' CHECK (preferred_language IN ('tr', 'en')),
  ADD COLUMN formality          INT NOT NULL DEFAULT 1 CHECK (formality BETWEEN 0 AND 3);

ALTER TABLE quota_events DROP CONSTRAINT quota_events_quota_type_check;
ALTER TABLE quota_events ADD CONSTRAINT quota_events_quota_type_check CHECK (quota_type IN ('draft', 'reply', 'preview'));
