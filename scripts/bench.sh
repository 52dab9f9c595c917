#!/usr/bin/env bash
# Benchmark (make bench), everything side by side in one run on this machine:
#   HTTP (wrk on loopback against the release binary):
#     1. GET /healthz            (no database)
#     2. GET /personas, authed   (JWT verify + user check + a database read)
#     3. GET /p/demo-slug        (public profile: profile, latest posts, top rooms, view event)
#     4. GET /b/<id>/card.png    (battle card PNG, served from the in-memory card cache)
#     Targets on a 2-core box: ratio >= 0.40 and p99 < 20 ms (/personas), ratio >= 0.40
#     (/p/demo-slug), at 50 connections. The demo profile comes from `personaworlds seed --demo`
#     on the bench database; the battle is created through the API; the server runs with
#     RATE_LIMIT_PUBLIC_READ_PER_MIN=0 (the 120/min per-IP limit would otherwise answer 429s).
#   Queue (personaworlds-bench, release):
#     3. raw SQLite ceiling: BEGIN IMMEDIATE; UPDATE … RETURNING; COMMIT loop on the same kind of file
#     4. end-to-end enqueue → DONE with a no-op LLM and WORKER_CONCURRENCY=4
#     5. idle enqueue → start latency p50/p99
#     Targets: >= 2000 jobs/s, >= 0.5 of the raw ceiling, p99 enqueue → start < 10 ms.
#
# BENCH_BIN=path: benchmark that personaworlds binary and skip the release builds (e.g. to try this
# script against .build/debug/personaworlds while a release build would get in the way); the queue
# part then runs personaworlds-bench from the same directory if it is there, else it is skipped.
# Debug figures are not comparable with the targets. Other knobs: BENCH_DURATION (10s),
# BENCH_CONNECTIONS (50), BENCH_THREADS (2), SCRATCH (.build-release).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
SCRATCH=${SCRATCH:-.build-release}

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
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid" ] && wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# seed and serve share the settings (same database file); not exported, so personaworlds-bench
# below does not inherit them.
srv_env=(DATABASE_PATH="$tmp/bench.sqlite" PORT="$port" BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning
  JWT_SECRET=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz RATE_LIMIT_PUBLIC_READ_PER_MIN=0)
env "${srv_env[@]}" "$BIN" seed --demo >"$tmp/seed.log" 2>&1 || { cat "$tmp/seed.log" >&2; exit 1; }
env "${srv_env[@]}" "$BIN" serve >"$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

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

run_wrk() { # name, url, extra args...
  local name=$1 url=$2; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d2s "$@" "$url" >/dev/null 2>&1 || true   # warm-up
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" >"$tmp/$name.txt"
}
run_wrk healthz "$base/healthz"
run_wrk personas "$base/personas" -H "Authorization: Bearer $token"
run_wrk profile "$base/p/demo-slug"
run_wrk card "$base/b/$battle/card.png"

python3 - "$tmp/healthz.txt" "$tmp/personas.txt" "$CONNS" "$tmp/profile.txt" "$tmp/card.txt" <<'PY'
import re, sys
def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def lat(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", text, re.M)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, lat(50), lat(99), int(errors.group(1)) if errors else 0
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
PY

kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
pid=
if [ -x "$QUEUE_BENCH" ]; then
  "$QUEUE_BENCH"
else
  echo "bench: queue benchmark skipped ($QUEUE_BENCH not found)"
fi
