#!/usr/bin/env bash
# Postgres peer for the queue benchmark (run by scripts/bench.sh; standalone: bash scripts/pg-queue-peer.sh).
# Drives the original (Go) design's queue with pgbench on a throwaway PostgreSQL cluster, so our SQLite
# queue's end-to-end rate can be read against a server database doing the same job on the same machine.
#
#   * Finds Debian's PostgreSQL under /usr/lib/postgresql/*/bin; as root installs `postgresql` when it is
#     missing, otherwise prints `pg-peer: SKIP (...)` and exits 0.
#   * A throwaway cluster (scripts/lib/pg-cluster.sh): initdb in a mktemp -d directory (as the `postgres` OS user
#     when run as root), started on a unix socket in that directory plus listen_addresses=127.0.0.1 on a free port
#     (local trust, TCP needs a password nobody has), fsync on (the default), shared_buffers=128MB. Stopped and
#     deleted on exit, always.
#   * Autovacuum tuned for a queue table (PG_PEER_AUTOVACUUM=queue, the default): autovacuum_naptime=1s and
#     jobs vacuumed every 1000 dead rows. Every claim and every DONE is a non-HOT update (status is indexed),
#     and until a vacuum the claim walks every dead entry of the pick index: with stock settings (naptime
#     1 min, 20 % of the table) no vacuum happens within a run and the rate falls steadily as the run goes on
#     (about half the tuned rate over 15 s). PG_PEER_AUTOVACUUM=stock measures that.
#   * Schema: jobs, replies, quota_events and persona_activity_events translated from schema.sql with the same
#     constraints, foreign keys and indexes (partial ones included), plus the users/rooms/templates/personas/
#     posts they reference; 50 personas (as personaworlds-bench) and enough posts that every job gets its own
#     (post, persona) pair, as uq_jobs_active_generate_reply and uq_reply_per_persona_per_post demand.
#     A WARNING line says when these indexes no longer match schema.sql's (by name).
#   * One pgbench transaction = one job, one database transaction per step as the original design:
#       enqueue  INSERT a PENDING generate_reply job (ON CONFLICT on the active-job index, as ours);
#       claim    UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING, joined to the
#                job's persona and post (ours reads them in the claim transaction too);
#       reads    whether the persona already replied to the post, then the post's thread, one statement each: the
#                original worker's reads before its LLM call (steps 4 and 5 of its generate_reply), which ours
#                makes in its claim (one pass over the post's replies);
#       finish   BEGIN; fenced DONE; INSERT reply; COUNT today's reply quota_events; INSERT quota event;
#                INSERT reply_generated and thread_participated activity rows; COMMIT  (= writeReply).
#     A claim that finds nothing (every pending job locked by another client) skips the rest.
#   * pgbench -n -M prepared -c 4 -j 4 -T $PG_PEER_SECONDS, with synchronous_commit=off (WAL flushed by the
#     WAL writer, not at commit: the durability class of SQLite WAL + synchronous=NORMAL), then =on, then =on again
#     without the two reads (the "lean" peer, the workload this script ran until 2026-12-07, so that figures compare
#     with earlier runs), each on emptied tables. jobs/s = jobs DONE / run time (= pgbench tps when no claim came
#     back empty).
#
# Output (stdout):
#   pg-peer: synchronous_commit=off  jobs/s=2059.3
#   pg-peer: synchronous_commit=on   jobs/s=1564.1
#   pg-peer: synchronous_commit=on   jobs/s=1702.4 ...  without the worker's two reads
#   pg-peer: ratio ours/pg(off)=0.57  ours/pg(on)=0.75      (only with OUR_JOBS_PER_SEC set)
# Any failure prints `pg-peer: SKIP (<reason>)` and the server log's tail, and exits 0.
#
# PG_PEER_THEN=script: after the peer's figures, runs `bash script` on the same cluster before it is stopped (make bench
# runs the PostgreSQL section, scripts/bench-postgres.sh, so), with PG_BIN, PG_CLUSTER_DIR, PG_CLUSTER_PORT,
# PG_CLUSTER_USER, PG_CLUSTER_LOG and the peer's jobs/s in PG_PEER_RATE_ON and PG_PEER_RATE_OFF exported. When the peer
# skips, it says that the section is skipped too. The lean peer's =on rate is in PG_PEER_RATE_ON_LEAN. max_connections
# is 100 (the default) so the section's nodes fit.
# Knobs: PG_PEER_SECONDS (15 per run), PG_PEER_CLIENTS (4), OUR_JOBS_PER_SEC, PG_PEER_AUTOVACUUM (queue|stock),
# PG_PEER_PGROOT (/usr/lib/postgresql; point it at an empty directory to exercise the "not installed" path).
set -Eeuo pipefail
SECONDS_PER_RUN=${PG_PEER_SECONDS:-15}
CLIENTS=${PG_PEER_CLIENTS:-4}
PG_CLUSTER_PGROOT=${PG_PEER_PGROOT:-/usr/lib/postgresql}
# shellcheck source=scripts/lib/pg-cluster.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/pg-cluster.sh"
AUTOVACUUM=${PG_PEER_AUTOVACUUM:-queue}
case $AUTOVACUUM in queue | stock) ;; *) echo "pg-peer: SKIP (PG_PEER_AUTOVACUUM must be queue or stock)"; exit 0 ;; esac
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ && $CLIENTS =~ ^[1-9][0-9]*$ ]] ||
  { echo "pg-peer: SKIP (PG_PEER_SECONDS and PG_PEER_CLIENTS must be positive integers)"; exit 0; }
PERSONAS=50
# Every job needs its own (post, persona) pair: POSTS x PERSONAS slots, i.e. room for 50,000 jobs/s.
POSTS=$((SECONDS_PER_RUN * 1000 > 2000 ? SECONDS_PER_RUN * 1000 : 2000))

say() { echo "pg-peer: $*"; }
tmp=
skip() { # reason: print it, the server log's tail if there is one, and leave with 0 (bench.sh goes on)
  trap - ERR
  say "SKIP ($1)"
  if [ -n "${PG_PEER_THEN:-}" ]; then echo "bench-postgres: SKIP (the pgbench peer's cluster is not usable: $1)"; fi
  if [ -n "$PG_CLUSTER_LOG" ] && [ -s "$PG_CLUSTER_LOG" ]; then
    echo "pg-peer: postgres log (last 20 lines):"
    tail -n 20 "$PG_CLUSTER_LOG" | sed 's/^/pg-peer:   /'
  fi
  exit 0
}
trap 'skip "unexpected failure at line $LINENO: $BASH_COMMAND"' ERR

is_root() { [ "$(id -u)" -eq 0 ]; }
PGROOT=$PG_CLUSTER_PGROOT
if ! pg_cluster_find_bin pgbench; then
  if ! is_root; then
    skip "PostgreSQL not found under $PGROOT/*/bin and not root, so not installing it; as root: apt-get install postgresql"
  fi
  command -v apt-get >/dev/null 2>&1 || skip "PostgreSQL not found under $PGROOT/*/bin and no apt-get to install it"
  online_before=$(pg_lsclusters -h 2>/dev/null | awk '$4 == "online" { print $1 "/" $2 }' || true)
  say "installing Debian's postgresql"
  apt_log=$(mktemp)
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; } \
    >"$apt_log" 2>&1 || { tail -5 "$apt_log" | sed 's/^/pg-peer:   /'; rm -f "$apt_log"; skip "apt-get install postgresql failed"; }
  rm -f "$apt_log"
  # Debian's package creates a default cluster 'main' (5432) and starts it where services may start; we only
  # wanted the binaries, so a cluster the install started is stopped again (it is left in place).
  if command -v pg_lsclusters >/dev/null 2>&1; then
    while read -r ver name _ status _; do
      if [ "$status" = online ] && ! grep -qx "$ver/$name" <<<"$online_before"; then
        say "stopping the default cluster $ver/$name that the install started (pg_ctlcluster $ver $name start brings it back)"
        pg_ctlcluster "$ver" "$name" stop || true
      fi
    done < <(pg_lsclusters -h 2>/dev/null || true)
  fi
  pg_cluster_find_bin pgbench || skip "postgresql installed but no initdb/pg_ctl/postgres/pgbench/psql under $PGROOT/*/bin"
fi
PGBIN=$PG_BIN

bench_pid=
cleanup() {
  local rc=$?
  trap - ERR
  if [ -n "$bench_pid" ]; then kill "$bench_pid" 2>/dev/null || true; wait "$bench_pid" 2>/dev/null || true; fi
  pg_cluster_stop
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The cluster (scripts/lib/pg-cluster.sh): as the `postgres` OS user when root, local trust, TCP with a password
# nobody has, fsync on; its directory also holds this script's files.
conf=("shared_buffers = 128MB" "max_connections = $((CLIENTS + 10 > 100 ? CLIENTS + 10 : 100))")
if [ "$AUTOVACUUM" = queue ]; then conf+=("autovacuum_naptime = 1s"); fi
pg_cluster_start "${conf[@]}" || skip "$PG_CLUSTER_ERROR"
tmp=$PG_CLUSTER_DIR
port=$PG_CLUSTER_PORT
DBUSER=$PG_CLUSTER_USER

psql_() { pg_cluster_psql "$@"; }

psql_ >"$tmp/schema.log" 2>&1 <<SQL || { cat "$tmp/schema.log" >&2; skip "creating the schema failed"; }
-- schema.sql's tables, Postgres types: TEXT ids (UUID text), timestamptz for the fixed-width UTC text
-- timestamps, jsonb for the json_valid() TEXT columns, identity for INTEGER PRIMARY KEY AUTOINCREMENT.
CREATE TABLE users (
  id            text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  email         text NOT NULL CONSTRAINT users_email_key UNIQUE,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE personas (
  id                 text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  user_id            text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name               text NOT NULL,
  bio                text NOT NULL DEFAULT '',
  tone               text NOT NULL DEFAULT 'neutral',
  daily_draft_quota  integer NOT NULL DEFAULT 5,
  daily_reply_quota  integer NOT NULL DEFAULT 25,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  writing_samples    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(writing_samples) = 'array'),
  do_not_say         jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(do_not_say) = 'array'),
  catchphrases       jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(catchphrases) = 'array'),
  preferred_language text NOT NULL DEFAULT 'en' CONSTRAINT personas_preferred_language_check CHECK (preferred_language IN ('tr','en')),
  formality          integer NOT NULL DEFAULT 1 CONSTRAINT personas_formality_check CHECK (formality BETWEEN 0 AND 3)
);
CREATE INDEX idx_personas_user_id ON personas(user_id);
CREATE TABLE rooms (
  id          text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  slug        text NOT NULL CONSTRAINT rooms_slug_key UNIQUE,
  name        text NOT NULL,
  description text NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE templates (
  id            text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  owner_user_id text REFERENCES users(id) ON DELETE CASCADE,
  name          text NOT NULL,
  prompt_rules  text NOT NULL,
  turn_count    integer NOT NULL CHECK (turn_count BETWEEN 2 AND 20),
  word_limit    integer NOT NULL CHECK (word_limit BETWEEN 40 AND 500),
  created_at    timestamptz NOT NULL DEFAULT now(),
  is_public     integer NOT NULL DEFAULT 1 CHECK (is_public IN (0,1))
);
CREATE TABLE posts (
  id           text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  room_id      text NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  persona_id   text REFERENCES personas(id) ON DELETE SET NULL,
  user_id      text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  authored_by  text NOT NULL CHECK (authored_by IN ('AI','HUMAN','AI_DRAFT_APPROVED')),
  status       text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT','PUBLISHED')),
  content      text NOT NULL,
  published_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  template_id  text REFERENCES templates(id) ON DELETE SET NULL
);
CREATE INDEX idx_posts_room_id_created_at ON posts(room_id, created_at DESC);
CREATE INDEX idx_posts_user_id ON posts(user_id);
CREATE INDEX idx_posts_template_id_created_at ON posts(template_id, created_at DESC);
CREATE INDEX idx_posts_persona_published_created_id ON posts(persona_id, created_at DESC, id DESC) WHERE status = 'PUBLISHED';
CREATE INDEX idx_posts_published_created_at ON posts(created_at DESC) WHERE status = 'PUBLISHED';

-- The four tables the queue writes, with exactly schema.sql's indexes on them.
CREATE TABLE replies (
  id          text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  post_id     text NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  persona_id  text REFERENCES personas(id) ON DELETE SET NULL,
  user_id     text REFERENCES users(id) ON DELETE SET NULL,
  authored_by text NOT NULL CHECK (authored_by IN ('AI','HUMAN','AI_DRAFT_APPROVED')),
  content     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_replies_post_id_created_at ON replies(post_id, created_at ASC);
CREATE UNIQUE INDEX uq_reply_per_persona_per_post ON replies(post_id, persona_id) WHERE persona_id IS NOT NULL;

CREATE TABLE jobs (
  id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  job_type     text NOT NULL,
  post_id      text NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  persona_id   text NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  payload      jsonb NOT NULL DEFAULT '{}',
  status       text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING','PROCESSING','DONE','FAILED')),
  attempts     integer NOT NULL DEFAULT 0,
  available_at timestamptz NOT NULL DEFAULT now(),
  locked_at    timestamptz,
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_jobs_status_available_at ON jobs(status, available_at);
CREATE INDEX idx_jobs_active_pick ON jobs(available_at, created_at, attempts) WHERE status IN ('PENDING','FAILED');
CREATE INDEX idx_jobs_dedupe_lookup ON jobs(post_id, persona_id, job_type, status);
CREATE UNIQUE INDEX uq_jobs_active_generate_reply ON jobs(post_id, persona_id) WHERE job_type = 'generate_reply' AND status IN ('PENDING','PROCESSING');
CREATE INDEX idx_jobs_persona_status ON jobs(persona_id, status);
CREATE INDEX idx_jobs_finished_updated_at ON jobs(updated_at) WHERE status IN ('DONE','FAILED');

CREATE TABLE quota_events (
  id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  persona_id text NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  quota_type text NOT NULL CONSTRAINT quota_events_quota_type_check CHECK (quota_type IN ('draft','reply','preview')),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_quota_events_persona_type_created_at ON quota_events(persona_id, quota_type, created_at DESC);

CREATE TABLE persona_activity_events (
  id         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  persona_id text NOT NULL REFERENCES personas(id) ON DELETE CASCADE,
  type       text NOT NULL CHECK (type IN ('post_created','reply_generated','thread_participated')),
  metadata   jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idx_persona_activity_events_persona_type_created_at ON persona_activity_events(persona_id, type, created_at DESC);
CREATE INDEX idx_persona_activity_events_persona_created_at ON persona_activity_events(persona_id, created_at DESC);
CREATE INDEX idx_persona_activity_events_created_at ON persona_activity_events(created_at);

-- Seed as personaworlds-bench's seedSyntheticLoad: one user, $PERSONAS personas, published posts in one room.
-- Ids are UUID-shaped text derived from a number, so the enqueue can name slot n's (post, persona) pair.
CREATE FUNCTION pid(kind text, n bigint) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS \$\$ SELECT md5(kind || '-' || n)::uuid::text \$\$;
INSERT INTO users(id, email, password_hash) VALUES (pid('user', 0), 'bench@example.com', 'x');
INSERT INTO rooms(id, slug, name) VALUES (pid('room', 0), 'bench', 'Bench');
INSERT INTO templates(name, prompt_rules, turn_count, word_limit)
  VALUES ('Claim/Evidence 6 turns', 'Alternate claims and evidence.', 6, 120);
INSERT INTO personas(id, user_id, name, tone, writing_samples, daily_reply_quota)
  SELECT pid('persona', n), pid('user', 0), 'Persona ' || n, 'calm', '["a","b","c"]', 1000000
  FROM generate_series(0, $PERSONAS - 1) n;
INSERT INTO posts(id, room_id, user_id, authored_by, status, content, published_at)
  SELECT pid('post', n), pid('room', 0), pid('user', 0), 'HUMAN', 'PUBLISHED', 'Post number ' || n || '. What do you think?', now()
  FROM generate_series(0, $POSTS - 1) n;
$(if [ "$AUTOVACUUM" = queue ]; then echo "ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 1000, autovacuum_vacuum_cost_delay = 0);"; fi)
-- Slot n of a run is job n: post n / $PERSONAS, persona n % $PERSONAS.
CREATE SEQUENCE job_slot MINVALUE 0 START 0;
VACUUM ANALYZE;
SQL

cat >"$tmp/job.sql" <<SQL
-- enqueue (one transaction)
INSERT INTO jobs(job_type, post_id, persona_id, payload, status, attempts, available_at, created_at, updated_at)
  SELECT 'generate_reply', s.post_id, s.persona_id, jsonb_build_object('post_id', s.post_id, 'persona_id', s.persona_id),
         'PENDING', 0, now(), now(), now()
  FROM (SELECT pid('post', n / $PERSONAS) AS post_id, pid('persona', n % $PERSONAS) AS persona_id
        FROM (SELECT nextval('job_slot') AS n) x) s
  ON CONFLICT (post_id, persona_id) WHERE job_type = 'generate_reply' AND status IN ('PENDING','PROCESSING') DO NOTHING;
-- claim (one transaction); the aggregate always answers one row, job_id 0 when nothing was claimable
WITH c AS (
  UPDATE jobs SET status = 'PROCESSING', locked_at = now(), updated_at = now(), attempts = attempts + 1
  WHERE id = (SELECT id FROM jobs
              WHERE status IN ('PENDING','FAILED') AND available_at <= now() AND attempts < 5
              ORDER BY available_at, created_at, id
              FOR UPDATE SKIP LOCKED LIMIT 1)
  RETURNING id, post_id, persona_id, locked_at, attempts)
SELECT coalesce(max(c.id), 0) AS job_id, max(c.post_id) AS post_id, max(c.persona_id) AS persona_id,
       max(c.locked_at) AS locked_at, max(c.attempts) AS attempts,
       max(pe.name) AS persona_name, max(p.room_id) AS room_id, max(left(p.content, 200)) AS post_preview
FROM c LEFT JOIN personas pe ON pe.id = c.persona_id LEFT JOIN posts p ON p.id = c.post_id;
\gset
\if :job_id > 0
\if :worker_reads
-- the worker's reads before its LLM call, each its own statement (the original's generate_reply, steps 4 and 5):
-- whether the persona already replied to the post (never, here: every job has its own pair), then the post's thread
SELECT EXISTS (SELECT 1 FROM replies WHERE post_id = :post_id::text AND persona_id = :persona_id::text) AS replied;
SELECT id, persona_id, user_id, authored_by, content, created_at FROM replies WHERE post_id = :post_id::text ORDER BY created_at;
\endif
-- finish (one transaction): AppDatabase.writeReply
BEGIN;
UPDATE jobs SET status = 'DONE', error = NULL, locked_at = NULL, updated_at = now()
  WHERE id = :job_id AND status = 'PROCESSING' AND locked_at = :locked_at::timestamptz AND attempts = :attempts::integer;
INSERT INTO replies(id, post_id, persona_id, user_id, authored_by, content, created_at, updated_at)
  VALUES (gen_random_uuid()::text, :post_id::text, :persona_id::text, NULL, 'AI', :persona_name::text || ' agrees.', now(), now())
  ON CONFLICT (post_id, persona_id) WHERE persona_id IS NOT NULL DO NOTHING;
SELECT COUNT(*) FROM quota_events
  WHERE persona_id = :persona_id::text AND quota_type = 'reply' AND created_at >= date_trunc('day', now(), 'UTC');
INSERT INTO quota_events(persona_id, quota_type, created_at) VALUES (:persona_id::text, 'reply', now());
INSERT INTO persona_activity_events(persona_id, type, metadata, created_at)
  VALUES (:persona_id::text, 'reply_generated',
          jsonb_build_object('post_id', :post_id::text, 'room_id', :room_id::text, 'post_preview', :post_preview::text,
                             'reply_preview', left(:persona_name::text || ' agrees.', 200)), now());
INSERT INTO persona_activity_events(persona_id, type, metadata, created_at)
  VALUES (:persona_id::text, 'thread_participated',
          jsonb_build_object('post_id', :post_id::text, 'room_id', :room_id::text, 'post_preview', :post_preview::text,
                             'reply_preview', left(:persona_name::text || ' agrees.', 200)), now());
COMMIT;
\endif
SQL

declare -A RATE TPS DONE XACTS
run() { # synchronous_commit value, worker reads (1|0): one pgbench run on emptied tables; sets RATE/TPS/DONE/XACTS[label]
  local mode=$1 reads=$2 label=$1 got tps xacts done
  if [ "$reads" = 0 ]; then label=$1-lean; fi
  local out="$tmp/pgbench-$label.txt"
  psql_ >/dev/null 2>"$tmp/reset.log" <<SQL || { cat "$tmp/reset.log" >&2; skip "resetting the tables for synchronous_commit=$mode failed"; }
TRUNCATE jobs, replies, quota_events, persona_activity_events RESTART IDENTITY;
ALTER SEQUENCE job_slot RESTART;
ALTER SYSTEM SET synchronous_commit = $mode;
SELECT pg_reload_conf();
VACUUM ANALYZE jobs, replies, quota_events, persona_activity_events;
CHECKPOINT;
SQL
  got=$(psql_ -At -c 'SHOW synchronous_commit') || skip "SHOW synchronous_commit failed"
  [ "$got" = "$mode" ] || skip "synchronous_commit is '$got' after the reload, wanted '$mode'"
  # In the background so that a signal stops the run at once (bash runs traps only between foreground commands).
  "$PGBIN/pgbench" -n -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_PER_RUN" -h "$tmp" -p "$port" -U "$DBUSER" \
    -D worker_reads="$reads" -f "$tmp/job.sql" postgres >"$out" 2>&1 &
  bench_pid=$!
  wait "$bench_pid" || { bench_pid=; tail -15 "$out" | sed 's/^/pg-peer:   /'; skip "pgbench failed ($label)"; }
  bench_pid=
  tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\).*/\1/p' "$out")
  xacts=$(sed -nE 's/^number of transactions actually processed: ([0-9]+).*/\1/p' "$out")
  if [ -z "$tps" ] || [ -z "$xacts" ] || [ "$xacts" -eq 0 ]; then
    tail -15 "$out" | sed 's/^/pg-peer:   /'; skip "no tps line in pgbench's output ($label)"
  fi
  done=$(psql_ -At -c "SELECT count(*) FROM jobs WHERE status = 'DONE'") || skip "counting DONE jobs failed"
  TPS[$label]=$(awk -v t="$tps" 'BEGIN { printf "%.1f", t }')
  XACTS[$label]=$xacts
  DONE[$label]=$done
  RATE[$label]=$(awk -v t="$tps" -v d="$done" -v x="$xacts" 'BEGIN { printf "%.1f", t * d / x }')
}

# The peer's indexes on the four queue tables must be schema.sql's (names kept): say so when they drift apart.
schema_sql="$(cd "$(dirname "$0")/.." && pwd)/schema.sql"
if [ -f "$schema_sql" ]; then
  want=$(grep -oE 'CREATE (UNIQUE )?INDEX IF NOT EXISTS [a-z0-9_]+ ON (jobs|replies|quota_events|persona_activity_events) ?\(' "$schema_sql" |
    awk '{ print $(NF - 2) }' | LC_ALL=C sort -u || true)
  have=$(psql_ -At -c "SELECT indexname FROM pg_indexes WHERE tablename IN ('jobs','replies','quota_events','persona_activity_events')
                        AND indexname NOT LIKE '%_pkey'" | LC_ALL=C sort -u) || skip "listing the peer's indexes failed"
  missing=$(LC_ALL=C comm -23 <(echo "$want") <(echo "$have") | xargs)
  extra=$(LC_ALL=C comm -13 <(echo "$want") <(echo "$have") | xargs)
  if [ -n "$missing$extra" ]; then
    say "WARNING: the peer's queue-table indexes differ from schema.sql (missing: ${missing:-none}; extra: ${extra:-none}); update this script"
  fi
fi

ver=$("$PGBIN/postgres" --version | awk '{print $3}')
if [ "$AUTOVACUUM" = queue ]; then av="autovacuum queue-tuned (naptime 1s, jobs vacuumed every 1000 dead rows)"; else av="autovacuum stock"; fi
say "PostgreSQL $ver, pgbench -M prepared -c $CLIENTS -j $CLIENTS -T $SECONDS_PER_RUN per mode, unix socket, fsync=on, shared_buffers=128MB, $av; $PERSONAS personas, one (post, persona) pair per job"
run off 1
run on 1
run on 0
# The claim should come from the partial pick index, as ours (INDEXED BY idx_jobs_active_pick).
plan=$(psql_ -At -c "EXPLAIN SELECT id FROM jobs WHERE status IN ('PENDING','FAILED') AND available_at <= now() AND attempts < 5 ORDER BY available_at, created_at, id FOR UPDATE SKIP LOCKED LIMIT 1" 2>/dev/null | grep -o 'idx_[a-z_]*' | head -1) || true
rows=$(psql_ -At -c 'SELECT count(*) FROM jobs' 2>/dev/null) || rows='?'
for label in off on on-lean; do
  printf 'pg-peer: synchronous_commit=%-4s jobs/s=%s   (%s jobs DONE in %s pgbench transactions, tps %s)%s\n' \
    "${label%-lean}" "${RATE[$label]}" "${DONE[$label]}" "${XACTS[$label]}" "${TPS[$label]}" \
    "$([ "$label" = on-lean ] && echo '  without the worker'"'"'s two reads')"
done
say "claim plan (after the last run, $rows jobs rows): ${plan:-no index}"
if [ -n "${OUR_JOBS_PER_SEC:-}" ]; then
  if [[ $OUR_JOBS_PER_SEC =~ ^[0-9]+([.][0-9]+)?$ ]]; then
    awk -v o="$OUR_JOBS_PER_SEC" -v a="${RATE[off]}" -v b="${RATE[on]}" \
      'BEGIN { printf "pg-peer: ratio ours/pg(off)=%.2f  ours/pg(on)=%.2f  (ours %.0f jobs/s)\n", (a > 0 ? o / a : 0), (b > 0 ? o / b : 0), o }'
  else
    say "OUR_JOBS_PER_SEC='$OUR_JOBS_PER_SEC' is not a number: no ratio"
  fi
fi
if [ -n "${PG_PEER_THEN:-}" ]; then
  # The PostgreSQL section on this cluster; whatever happens in it, the peer's figures above stand.
  PG_PEER_RATE_ON=${RATE[on]} PG_PEER_RATE_OFF=${RATE[off]} PG_PEER_RATE_ON_LEAN=${RATE[on-lean]} PG_BIN=$PGBIN PG_CLUSTER_DIR=$tmp PG_CLUSTER_PORT=$port \
    PG_CLUSTER_USER=$DBUSER PG_CLUSTER_LOG=$PG_CLUSTER_LOG bash "$PG_PEER_THEN" ||
    say "the PostgreSQL section ($PG_PEER_THEN) exited with status $?"
fi
