#!/usr/bin/env bash
# The cost curve of the engagement reads (make bench, or standalone): for each scale N in BENCH_CURVE_SCALES
# (default "100 1000 10000", i.e. 10k, 100k and 1M events: `seed --demo-scale N` writes 100·N events over 30
# days with N users and 5·N posts) it seeds a fresh database and reports
#   - GET /feed with FEED_CACHE_TTL=0 (every request rebuilds the trending pool and the user's feed), p50/p95 over
#     BENCH_CURVE_USERS users × 5 requests, one at a time (the server's latency, not queueing);
#   - GET /admin/analytics/summary as an admin (ADMIN_EMAILS), p50/p95 over 20 requests;
#   - the same reads at the SQL level, the whole-table queries trending and the admin summary ran before the
#     engagement aggregates (kept here verbatim) against the aggregate reads, on the same file (python3's sqlite3,
#     the system SQLite the binary links too), median of 5 runs each. Trending's "after" is the read over the
#     window's per-day counts; the feed itself now reads the trending window (migration 0011), which only the
#     GET /feed figure measures.
# Usage: scripts/bench-curve.sh /path/to/personaworlds
set -euo pipefail
BIN=${1:?usage: scripts/bench-curve.sh /path/to/personaworlds}
SCALES=${BENCH_CURVE_SCALES:-100 1000 10000}
USERS=${BENCH_CURVE_USERS:-12}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid" ] && wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT

wait_ready() { # url: the server answers /healthz (10 s at most)
  for _ in $(seq 1 100); do
    curl -fsS "$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

for n in $SCALES; do
  db="$tmp/curve-$n.sqlite"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  env=(DATABASE_PATH="$db" PORT="$port" BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning FEED_CACHE_TTL=0
    ADMIN_EMAILS=scale-user-0@example.com RATE_LIMIT_PUBLIC_READ_PER_MIN=0
    JWT_SECRET=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz)
  t0=$(date +%s.%N)
  # The seed is a bulk job, not a request: its transactions get more than the serving DB_QUERY_TIMEOUT (a debug
  # binary on a busy machine needs it).
  env "${env[@]}" DB_QUERY_TIMEOUT=300s "$BIN" seed --demo-scale "$n" >"$tmp/seed-$n.log" 2>&1 || { tail -5 "$tmp/seed-$n.log" >&2; exit 1; }
  seed_s=$(python3 -c "import sys,time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$t0")
  env "${env[@]}" "$BIN" serve --no-worker >"$tmp/server-$n.log" 2>&1 &
  pid=$!
  wait_ready "http://127.0.0.1:$port" || { cat "$tmp/server-$n.log" >&2; exit 1; }
  python3 - "http://127.0.0.1:$port" "$n" "$USERS" "$seed_s" <<'PY'
import http.client, json, math, sys, time, urllib.parse
base, n, nusers, seed_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
u = urllib.parse.urlsplit(base)
conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
def call(method, path, body=None, token=None):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    t = time.perf_counter()
    conn.request(method, path, body=None if body is None else json.dumps(body), headers=h)
    r = conn.getresponse()
    data = r.read()
    return r.status, data, (time.perf_counter() - t) * 1000
def pct(v, p):
    v = sorted(v)
    return v[max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))] if v else float("nan")
def login(i):
    st, data, _ = call("POST", "/auth/login", {"email": f"scale-user-{i}@example.com", "password": "scale-password"})
    if st != 200:
        sys.exit(f"bench-curve: login scale-user-{i}: HTTP {st} {data[:200]!r}")
    return json.loads(data)["token"]
tokens = [login(i * n // min(nusers, n)) for i in range(min(nusers, n))]
feed, admin, bad = [], [], 0
for tok in tokens:
    for _ in range(5):
        st, _, ms = call("GET", "/feed", token=tok)
        bad += st != 200
        feed.append(ms)
for _ in range(20):
    st, _, ms = call("GET", "/admin/analytics/summary", token=tokens[0])
    bad += st != 200
    admin.append(ms)
print(f"bench-curve: {100 * n:>9,} events (seed {seed_s} s): GET /feed TTL=0 p50 {pct(feed, 50):7.2f} ms p95 {pct(feed, 95):7.2f} ms;"
      f" GET /admin/analytics/summary p50 {pct(admin, 50):7.2f} ms p95 {pct(admin, 95):7.2f} ms; non-200 {bad}")
PY
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  pid=
  python3 - "$db" "$n" <<'PY'
import sqlite3, statistics, sys, time
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
now = c.execute("SELECT MAX(created_at) FROM events").fetchone()[0]
since14 = c.execute("SELECT strftime('%Y-%m-%dT%H:%M:%f000Z', ?, '-14 days')", (now,)).fetchone()[0]
since24 = c.execute("SELECT strftime('%Y-%m-%dT%H:%M:%f000Z', ?, '-1 days')", (now,)).fetchone()[0]
since7 = c.execute("SELECT strftime('%Y-%m-%dT%H:%M:%f000Z', ?, '-7 days')", (now,)).fetchone()[0]
actor_day = "COALESCE(actor, user_id, 'event:' || id) || '|' || substr(created_at, 1, 10)"
key = "COALESCE(NULLIF(metadata->>'source_battle_id',''), NULLIF(metadata->>'battle_id',''))"
# Before: the whole-table queries (the trending pool's engagement, one admin-summary window).
old_trending = f"""SELECT {key} AS battle_key,
  COUNT(DISTINCT CASE WHEN event_name = 'battle_shared' THEN {actor_day} END) AS shares,
  COUNT(DISTINCT CASE WHEN event_name = 'remix_completed' THEN {actor_day} END) AS remixes
  FROM events WHERE event_name IN ('battle_shared', 'remix_completed') AND created_at >= :since GROUP BY battle_key"""
old_counts = f"""SELECT event_name, COUNT(DISTINCT {actor_day} || '|' || COALESCE({key}, '')) FROM events
  WHERE created_at >= :since GROUP BY event_name"""
# After: the aggregate reads.
new_trending = """SELECT battle_key, SUM(CASE WHEN event_name = 'battle_shared' THEN n ELSE 0 END),
  SUM(CASE WHEN event_name = 'remix_completed' THEN n ELSE 0 END) FROM (
  SELECT battle_key, event_name, actors AS n FROM battle_engagement_days INDEXED BY idx_battle_engagement_days_name_day
  WHERE event_name IN ('battle_shared', 'remix_completed') AND day > :day
  UNION ALL SELECT battle_key, event_name, 1 FROM event_actor_days
  WHERE day = :day AND event_name IN ('battle_shared', 'remix_completed') AND battle_key <> '' AND last_at >= :since) GROUP BY battle_key"""
new_counts = """SELECT event_name, SUM(n) FROM (SELECT event_name, actors AS n FROM event_name_days WHERE day > :day
  UNION ALL SELECT event_name, 1 FROM event_actor_days WHERE day = :day AND last_at >= :since) GROUP BY event_name"""
def timed(sql, since):
    runs, rows = [], None
    for _ in range(5):
        t = time.perf_counter()
        rows = sorted(c.execute(sql, {"since": since, "day": since[:10]}).fetchall(), key=str)
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), rows
ot, orows = timed(old_trending, since14)
nt, nrows = timed(new_trending, since14)
oc = sum(timed(old_counts, s)[0] for s in (since24, since7))
nc = sum(timed(new_counts, s)[0] for s in (since24, since7))
same = sorted(map(tuple, orows), key=str) == sorted(map(tuple, nrows), key=str)
print(f"bench-curve: {100 * n:>9,} events SQL: trending pool engagement {ot:8.2f} ms before, {nt:6.2f} ms after"
      f" ({'same answer' if same else 'ANSWERS DIFFER'}); admin summary counts {oc:8.2f} ms before, {nc:6.2f} ms after")
PY
done
