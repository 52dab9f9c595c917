#!/usr/bin/env bash
# Benchmark (make bench), everything side by side in one run on this machine:
#   HTTP (wrk on loopback against the release binary):
#     1. GET /healthz            (no database)
#     2. GET /personas, authed   (JWT verify + user check + a database read)
#     3. GET /p/demo-slug        (public profile: profile, latest posts, top rooms, view event)
#     4. GET /b/<id>/card.png    (battle card PNG, served from the in-memory card cache)
#     5. POST /events            (battle_shared for the bench battle, anonymous; loadtest/wrk/events.lua)
#     Targets on a 2-core box: ratio >= 0.40 and p99 < 20 ms (/personas), ratio >= 0.40
#     (/p/demo-slug), ratio >= 0.30 (/events), at 50 connections. The demo profile comes from
#     `personaworlds seed --demo` on the bench database; the battle is created through the API; the
#     server runs with RATE_LIMIT_PUBLIC_READ_PER_MIN=0 and RATE_LIMIT_EVENTS_PER_MIN=0 (the per-IP
#     limits, 120/min and 600/min, would otherwise answer 429s: wrk is one IP).
#   Engagement dataset (needs `personaworlds seed --demo-scale N`; skipped with a note otherwise):
#     6. `seed --demo-scale $BENCH_SCALE` on a separate database (at 10000: 10,000 users, 50,000
#        published posts, 200,000 follows, 1,000,000 events over 30 days): seeding time, file size
#     7. GET /feed as BENCH_FEED_USERS scale users (python, one request at a time, so the figures
#        are the server's latency, not queueing): cold p50/p95 on a server with FEED_CACHE_TTL=0
#        (nothing cached: every request builds the feed and the trending pool all users share),
#        then on a server with FEED_CACHE_TTL=60s the server's first request (builds the pool), the
#        other users' first requests (their feed cold, the pool warm) and the repeats (cached)
#     Target: cold p95 < 50 ms (checked on both cold figures).
#     7b. the cost curve (scripts/bench-curve.sh): GET /feed (FEED_CACHE_TTL=0) and the admin summary at 10k, 100k
#        and 1M events (BENCH_CURVE_SCALES), with the replaced whole-table queries against the aggregate reads at
#        the SQL level; target: flat within 2x from 10k to 1M. BENCH_CURVE=0 skips it.
#   Queue (personaworlds-bench, release):
#     8. raw SQLite ceiling: BEGIN IMMEDIATE; UPDATE … RETURNING; COMMIT loop on the same kind of file
#     9. end-to-end enqueue → DONE with a no-op LLM and WORKER_CONCURRENCY=4
#    9b. no-op jobs enqueue → DONE (a handler that only marks the job done: nothing written beyond the job row,
#        as published queue benchmarks measure)
#    10. idle enqueue → start latency p50/p99
#    11. uncached share-card render median/p99 (target < 30 ms); the daily digest look of a pass that finds nothing
#        due at 20,000 and 200,000 activity events today, the whole day against the last 10 minutes (side by side);
#        and weekly digest time per user on a copy of the engagement dataset (when it was seeded)
#    11b. one retention pruning pass on another copy of it, run as a year after the data was written: the
#        file's size before and after (target: halves or better) and the pass's time
#     Targets: >= 2000 jobs/s, >= 0.5 of the raw ceiling, p99 enqueue → start < 5 ms; then one vs two
#     `serve --worker-only` processes on one file (two at least as fast as one).
#   Resources: the server's peak RSS over the HTTP runs (target < 100 MB) and with the engagement
#     dataset, and start-up time from `serve` to the first 200 on /healthz (scripts/bench-startup.sh).
#   Postgres peer (scripts/pg-queue-peer.sh; BENCH_PG=0 skips it):
#    12. the original design's queue on a throwaway PostgreSQL cluster driven by pgbench (same tables and
#        indexes; enqueue, claim with FOR UPDATE SKIP LOCKED, the worker's two reads, finish in one
#        transaction), 4 clients, PG_PEER_SECONDS (15) each with synchronous_commit=off and =on (and =on
#        without the two reads, as before 2026-12-07), and our end-to-end rate from 9. over each. As root it
#        installs Debian's postgresql when missing; without it (or on any Postgres failure) it prints
#        `pg-peer: SKIP (why)` and the rest of the benchmark stands.
#   PostgreSQL section (scripts/bench-postgres.sh, on the peer's cluster right after it; its header has the details and
#   knobs): 13. our reply jobs on PostgreSQL end to end and their ratio to the peer (target >= 3x at the same
#       durability); 14. one vs two `serve --worker-only` nodes on one database (two >= one); 15. enqueue on one node →
#       start on another, p99 (< 25 ms); 16. rate-limit check p99 (< 2 ms); 17. statements/s of an idle node (<= 2/s);
#       18. GET /personas / GET /healthz with the server on PostgreSQL; 19. `move-to-postgres` rows/s of the
#       engagement dataset (of part 6, or a `seed --demo-scale $BENCH_PG_MOVE_SCALE` one; >= 50,000 rows/s). A part
#       that cannot run prints `bench-postgres: … SKIP (why)`; the rest stands. BENCH_PG=only runs the peer and this
#       section alone (after the release builds or with BENCH_BIN), BENCH_PG=0 neither.
#
# BENCH_BIN=path: benchmark that personaworlds binary and skip the release builds (e.g. to try this
# script against .build/debug/personaworlds while a release build would get in the way); the queue
# part then runs personaworlds-bench from the same directory if it is there, else it is skipped.
# Debug figures are not comparable with the targets. Other knobs: BENCH_DURATION (10s),
# BENCH_CONNECTIONS (50), BENCH_THREADS (2), SCRATCH (.build-release), BENCH_SCALE (10000; 0 skips
# the engagement dataset), BENCH_FEED_USERS (20), BENCH_FEED_REPEATS (5 per user),
# BENCH_SEED_TIMEOUT (1800 s, bounds the seeding); personaworlds-bench reads BENCH_JOBS (5000) and
# BENCH_QUEUE_PARTS (which of its parts run; its header says which there are); BENCH_PG (1; 0 skips the peer and the
# PostgreSQL section, `only` runs nothing else) and the section's own knobs (BENCH_PG_PARTS, BENCH_PG_IDLE_SECONDS,
# BENCH_PG_E2E_RUNS, BENCH_PG_PROCS_PAIRS, BENCH_PG_LATENCY_JOBS, BENCH_PG_RATELIMIT_CHECKS, BENCH_PG_MOVE_SCALE;
# scripts/bench-postgres.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
SCRATCH=${SCRATCH:-.build-release}
SCALE=${BENCH_SCALE:-10000}
FEED_USERS=${BENCH_FEED_USERS:-20}
FEED_REPEATS=${BENCH_FEED_REPEATS:-5}
SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-1800}

if [ -n "${BENCH_BIN:-}" ]; then
  BIN=$BENCH_BIN
  QUEUE_BENCH="$(dirname "$BENCH_BIN")/personaworlds-bench"
else
  swift build -c release --product personaworlds --static-swift-stdlib --scratch-path "$SCRATCH" >/dev/null
  swift build -c release --product personaworlds-bench --static-swift-stdlib --scratch-path "$SCRATCH" >/dev/null
  BIN="$SCRATCH/release/personaworlds"
  QUEUE_BENCH="$SCRATCH/release/personaworlds-bench"
fi
[ -x "$BIN" ] || { echo "bench: $BIN is not an executable" >&2; exit 2; }
# The pgbench peer and, on its cluster, the PostgreSQL section. Both exit 0 whatever happens to PostgreSQL (they print
# SKIP and why). $1: our SQLite end-to-end jobs/s for the peer's ratio line, when there is one.
run_postgres() {
  PERSONAWORLDS_BIN="$BIN" QUEUE_BENCH="$QUEUE_BENCH" BENCH_SCALE_DB="${scale_db:-}" PG_PEER_THEN=scripts/bench-postgres.sh \
    OUR_JOBS_PER_SEC="${1:-}" bash scripts/pg-queue-peer.sh
}
if [ "${BENCH_PG:-1}" = only ]; then
  run_postgres
  exit 0
fi
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid" ] && wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# seed and serve share the settings (same database file); not exported, so personaworlds-bench
# below does not inherit them.
srv_env=(DATABASE_PATH="$tmp/bench.sqlite" PORT="$port" BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning
  JWT_SECRET=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz RATE_LIMIT_PUBLIC_READ_PER_MIN=0
  RATE_LIMIT_EVENTS_PER_MIN=0)
wait_ready() { # url: the server answers /healthz (10 s at most)
  for _ in $(seq 100); do curl -fs "$1/healthz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench: server at $1 did not come up" >&2; return 1
}
env "${srv_env[@]}" "$BIN" seed --demo >"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; exit 1; }
env "${srv_env[@]}" "$BIN" serve >"$tmp/server.log" 2>&1 &
pid=$!
wait_ready "http://127.0.0.1:$port" || { cat "$tmp/server.log" >&2; exit 1; }

base="http://127.0.0.1:$port"
token=$(curl -fs -X POST "$base/auth/signup" -d '{"email":"bench@example.com","password":"password123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for n in 1 2 3; do
  curl -fs -X POST "$base/personas" -H "Authorization: Bearer $token" \
    -d "{\"name\":\"Bench $n\",\"writing_samples\":[\"a\",\"b\",\"c\"],\"preferred_language\":\"en\"}" >/dev/null
done
room=$(curl -fs "$base/rooms" -H "Authorization: Bearer $token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rooms"][0]["id"])')
battle=$(curl -fs -X POST "$base/rooms/$room/battles" -H "Authorization: Bearer $token" \
  -d '{"topic":"Go vs Rust"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["battle_id"])')
# The battle enqueues reply jobs and every reply changes the card's ETag (its cache key): wait for
# the queue to empty so wrk measures the cached card, then render it once.
for _ in $(seq 100); do
  metrics=$(curl -fs "$base/metrics" || true)
  grep -qE '^queue_depth\{type="generate_reply"\} 0(\.0+)?$' <<<"$metrics" && break; sleep 0.1
done
curl -fs -o /dev/null "$base/b/$battle/card.png"
curl -fs -o /dev/null "$base/p/demo-slug"

run_wrk() { # name, url, extra wrk args... [-- arguments of the wrk Lua script]
  local name=$1 url=$2; shift 2
  local opts=() script_args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = -- ]; then shift; script_args=("$@"); break; fi
    opts+=("$1"); shift
  done
  # wrk takes the Lua script's arguments after the URL.
  wrk -t"$THREADS" -c"$CONNS" -d2s ${opts[@]+"${opts[@]}"} "$url" ${script_args[@]+"${script_args[@]}"} >/dev/null 2>&1 || true   # warm-up
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency ${opts[@]+"${opts[@]}"} "$url" ${script_args[@]+"${script_args[@]}"} >"$tmp/$name.txt"
}
run_wrk healthz "$base/healthz"
run_wrk personas "$base/personas" -H "Authorization: Bearer $token"
run_wrk profile "$base/p/demo-slug"
run_wrk card "$base/b/$battle/card.png"
run_wrk events "$base/events" -s loadtest/wrk/events.lua -- "$battle"
# Peak resident memory of the server over all the HTTP runs above (the kernel's high-water mark).
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)

python3 - "$tmp/healthz.txt" "$tmp/personas.txt" "$CONNS" "$tmp/profile.txt" "$tmp/card.txt" "$tmp/events.txt" <<'PY'
import sys
sys.path.insert(0, "scripts/lib")
from wrkparse import parse
h, p = parse(sys.argv[1]), parse(sys.argv[2])
ratio = p[0] / h[0]
print(f"bench: connections={sys.argv[3]}")
print(f"bench: GET /healthz          {h[0]:10.0f} req/s   p50 {h[1]:6.2f} ms   p99 {h[2]:6.2f} ms   non-2xx {h[3]}")
print(f"bench: GET /personas (auth)  {p[0]:10.0f} req/s   p50 {p[1]:6.2f} ms   p99 {p[2]:6.2f} ms   non-2xx {p[3]}")
print(f"bench: ratio personas/healthz = {ratio:.2f}  (target >= 0.40: {'met' if ratio >= 0.40 else 'MISSED'})")
print(f"bench: /personas p99 = {p[2]:.2f} ms  (target < 20 ms: {'met' if p[2] < 20 else 'MISSED'})")
pr, c = parse(sys.argv[4]), parse(sys.argv[5])
pratio = pr[0] / h[0]
print(f"bench: GET /p/demo-slug      {pr[0]:10.0f} req/s   p50 {pr[1]:6.2f} ms   p99 {pr[2]:6.2f} ms   non-2xx {pr[3]}")
print(f"bench: GET /b/{{id}}/card.png  {c[0]:10.0f} req/s   p50 {c[1]:6.2f} ms   p99 {c[2]:6.2f} ms   non-2xx {c[3]}   (cached)")
print(f"bench: ratio profile/healthz = {pratio:.2f}  (target >= 0.40: {'met' if pratio >= 0.40 else 'MISSED'})")
e = parse(sys.argv[6])
eratio = e[0] / h[0]
print(f"bench: POST /events          {e[0]:10.0f} req/s   p50 {e[1]:6.2f} ms   p99 {e[2]:6.2f} ms   non-2xx {e[3]}   (battle_shared, no auth)")
print(f"bench: ratio events/healthz = {eratio:.2f}  (target >= 0.30: {'met' if eratio >= 0.30 else 'MISSED'})")
PY

hwm_mb=$(( hwm_kb / 1024 ))
echo "bench: peak RSS of the server during the HTTP benchmark: ${hwm_mb} MiB (target < 100 MB: $([ $(( hwm_kb * 1024 )) -lt 100000000 ] && echo met || echo MISSED))"
kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
pid=
scripts/bench-startup.sh "$BIN"

# Engagement dataset: its own database, so the HTTP figures above stay comparable between runs and
# the feed is measured on the scale plan's volume rather than on a handful of bench rows.
if [ "$SCALE" = 0 ]; then
  echo "bench: engagement dataset skipped (BENCH_SCALE=0)"
elif ! grep -q -- '--demo-scale' <<<"$("$BIN" seed --help 2>&1 || true)"; then
  echo "bench: engagement dataset skipped ($BIN seed has no --demo-scale option)"
else
  scale_db="$tmp/scale.sqlite"
  scale_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  scale_env=(DATABASE_PATH="$scale_db" PORT="$scale_port" BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning
    JWT_SECRET=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz)
  t_seed=$(date +%s.%N)
  if ! timeout "$SEED_TIMEOUT" env "${scale_env[@]}" "$BIN" seed --demo-scale "$SCALE" >"$tmp/scale-seed.log" 2>&1; then
    echo "bench: seed --demo-scale $SCALE failed or exceeded ${SEED_TIMEOUT}s:" >&2; tail -5 "$tmp/scale-seed.log" >&2; exit 1
  fi
  t_seed=$(python3 -c "import sys,time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$t_seed")
  grep -m1 '^seed: demo scale' "$tmp/scale-seed.log" | sed 's/^/bench: /' || true
  python3 - "$scale_db" "$SCALE" "$t_seed" <<'PY'
import os, sys
db, scale, secs = sys.argv[1], sys.argv[2], sys.argv[3]
size = lambda p: os.path.getsize(p) if os.path.exists(p) else 0
mib = lambda b: b / (1024 * 1024)
print(f"bench: seed --demo-scale {scale}: {secs} s; database {mib(size(db)):.1f} MiB"
      f" (+ WAL {mib(size(db + '-wal')):.1f} MiB)")
PY
  # Two servers on the same file, one after the other: FEED_CACHE_TTL=0 makes every /feed build
  # the feed (cold), FEED_CACHE_TTL=60s shows the first request per user and the cache hits.
  # --no-worker: what is measured is the feed's own cost, not jobs or digests the worker might
  # start on a freshly seeded database at the same moment.
  for ttl in 0 60s; do
    env "${scale_env[@]}" FEED_CACHE_TTL="$ttl" "$BIN" serve --no-worker >"$tmp/scale-server-$ttl.log" 2>&1 &
    pid=$!
    wait_ready "http://127.0.0.1:$scale_port" || { cat "$tmp/scale-server-$ttl.log" >&2; exit 1; }
    python3 - "http://127.0.0.1:$scale_port" "$SCALE" "$FEED_USERS" "$FEED_REPEATS" "$ttl" <<'PY'
import http.client, json, math, sys, time, urllib.parse
base, scale, nusers, repeats, ttl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
u = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
def call(method, path, body=None, token=None):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    t = time.perf_counter()
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=h)
    r = conn.getresponse()
    data = r.read()
    return r.status, data, (time.perf_counter() - t) * 1000
def pct(v, p):  # nearest rank, like loadtest/harness/locust.py
    v = sorted(v)
    return v[max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))] if v else float("nan")
tokens = []
# Users spread over the whole range (scale-user-0 .. scale-user-<N-1>), so their follows and the
# size of their feeds vary as they do in the dataset.
for i in range(min(nusers, scale)):
    n = i * scale // min(nusers, scale)
    st, data, _ = call("POST", "/auth/login", {"email": f"scale-user-{n}@example.com", "password": "scale-password"})
    if st != 200:
        sys.exit(f"bench: login as scale-user-{n}@example.com / scale-password: HTTP {st} {data[:200]!r}")
    tokens.append(json.loads(data)["token"])
first, rest, bad, items = [], [], 0, []
for tok in tokens:
    for k in range(1 + repeats):
        st, data, ms = call("GET", "/feed", token=tok)
        if st != 200:
            bad += 1
            continue
        (first if k == 0 else rest).append(ms)
        if k == 0:
            items.append(len(json.loads(data).get("items", [])))
line = lambda v: f"p50 {pct(v, 50):6.2f} ms   p95 {pct(v, 95):6.2f} ms   ({len(v)} requests)"
mean_items = sum(items) / len(items) if items else 0
print(f"bench: GET /feed FEED_CACHE_TTL={ttl}: {len(tokens)} users, {mean_items:.1f} items per feed, non-200 {bad}")
if ttl == "0":
    # No cache at all: every request also rebuilds the trending pool that all users share.
    cold = first + rest
    p95 = pct(cold, 95)
    print(f"bench: GET /feed cold            {line(cold)}   (no cache: trending pool rebuilt every time)")
    print(f"bench: /feed cold p95 = {p95:.2f} ms  (target < 50 ms: {'met' if p95 < 50 else 'MISSED'})")
else:
    # The server's first /feed builds the shared trending pool (once per TTL in production); the
    # other users' first requests are cold for their own feed only.
    print(f"bench: GET /feed first on server {first[0]:6.2f} ms   (builds the shared trending pool)")
    others = first[1:]
    if others:
        p95 = pct(others, 95)
        print(f"bench: GET /feed first per user  {line(others)}   (user's feed cold, trending pool warm)")
        print(f"bench: /feed first-per-user p95 = {p95:.2f} ms  (target < 50 ms: {'met' if p95 < 50 else 'MISSED'})")
    print(f"bench: GET /feed cached          {line(rest)}")
PY
    echo "bench: server RSS with the engagement dataset after the /feed runs: $(awk '/^VmRSS/ {print int($2/1024)}' "/proc/$pid/status") MiB (peak $(awk '/^VmHWM/ {print int($2/1024)}' "/proc/$pid/status") MiB)"
    kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
    pid=
  done
fi

if [ "$SCALE" = 0 ] || [ "${BENCH_CURVE:-1}" = 0 ]; then
  echo "bench: cost curve skipped (BENCH_SCALE=0 or BENCH_CURVE=0)"
else
  scripts/bench-curve.sh "$BIN"
fi

if [ -x "$QUEUE_BENCH" ]; then
  # With the engagement dataset seeded above, personaworlds-bench also times weekly digests per user on a copy of it.
  # BENCH_SERVER_BIN adds one vs two `serve --worker-only` processes on one database file.
  BENCH_SCALE_DB="${scale_db:-}" BENCH_SERVER_BIN="$BIN" "$QUEUE_BENCH" | tee "$tmp/queue.txt"
else
  echo "bench: queue benchmark skipped ($QUEUE_BENCH not found)"
fi

# Postgres peer: the same queue work on PostgreSQL, on this machine right after ours, so the ratios compare
# like with like. It exits 0 whatever happens to Postgres (it prints SKIP and why).
if [ "${BENCH_PG:-1}" = 0 ]; then
  echo "bench: Postgres peer and PostgreSQL section skipped (BENCH_PG=0)"
else
  # "bench: queue end-to-end enqueue→DONE, no-op LLM, WORKER_CONCURRENCY=4:     1234 jobs/s (5000 jobs in …)"
  ours=$(sed -nE 's/^bench: queue end-to-end enqueue.* ([0-9]+([.][0-9]+)?) jobs\/s \(.*/\1/p' "$tmp/queue.txt" 2>/dev/null | head -1 || true)
  [ -n "$ours" ] || echo "bench: Postgres peer without ratios (no end-to-end jobs/s line from the queue benchmark above)"
  run_postgres "$ours"
fi
