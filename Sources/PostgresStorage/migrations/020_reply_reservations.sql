-- Migration 020 (PostgreSQL only): each persona's reply reservation for a day, so that an enqueue can tell a persona has
-- room under its daily reply quota without counting its queued jobs. `reserved` is an upper bound on the day's replies
-- written plus the persona's active reply jobs (under `max_attempts`), kept by the enqueues alone: they set it from an
-- exact count and add the jobs they insert, while holding the persona's row. A job that ends without a reply leaves it
-- too high, never too low; a reservation of another day or another maximum of attempts is not used, and one at or
-- over the quota sends the enqueue back to the exact count, which sets it again. One row per persona: a new day
-- overwrites it.
CREATE TABLE IF NOT EXISTS reply_reservations (
  persona_id   UUID PRIMARY KEY REFERENCES personas(id) ON DELETE CASCADE,
  day          DATE NOT NULL,
  max_attempts INT NOT NULL,
  reserved     BIGINT NOT NULL
);
