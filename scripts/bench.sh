#!/usr/bin/env bash
# Benchmark (make bench), everything side by side in one run on this machine:
#   HTTP (wrk on loopback against the release binary):
#     1. GET /healthz            (no database)
#     2. GET /personas, authed   (JWT verify + user check + a database read)
#     Targets on a 2-core box: ratio >= 0.40, p99 < 20 ms at 50 connections.
#   Queue (personaworlds-bench, release):
#     3. raw SQLite ceiling: BEGIN IMMEDIATE; UPDATE … RETURNING; COMMIT loop on the same kind of file
#     4. end-to-end enqueue → DONE with a no-op LLM and WORKER_CONCURRENCY=4
#     5. idle enqueue → start latency p50/p99
#     Targets: >= 2000 jobs/s, >= 0.5 of the raw ceiling, p99 enqueue → start < 10 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
SCRATCH=${SCRATCH:-.build-release}

swift build -c release --product personaworlds --static-swift-stdlib --scratch-path "$SCRATCH" >/dev/null
swift build -c release --product personaworlds-bench --static-swift-stdlib --scratch-path "$SCRATCH" >/dev/null
BIN="$SCRATCH/release/personaworlds"
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DATABASE_PATH="$tmp/bench.sqlite" PORT=$port BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning \
  JWT_SECRET=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz "$BIN" serve >"$tmp/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

base="http://127.0.0.1:$port"
token=$(curl -fs -X POST "$base/auth/signup" -d '{"email":"bench@example.com","password":"password123"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for n in 1 2 3; do
  curl -fs -X POST "$base/personas" -H "Authorization: Bearer $token" \
    -d "{\"name\":\"Bench $n\",\"writing_samples\":[\"a\",\"b\",\"c\"],\"preferred_language\":\"en\"}" >/dev/null
done

run_wrk() { # name, url, extra args...
  local name=$1 url=$2; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d2s "$@" "$url" >/dev/null 2>&1 || true   # warm-up
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" >"$tmp/$name.txt"
}
run_wrk healthz "$base/healthz"
run_wrk personas "$base/personas" -H "Authorization: Bearer $token"

python3 - "$tmp/healthz.txt" "$tmp/personas.txt" "$CONNS" <<'PY'
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
PY

kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
"$SCRATCH/release/personaworlds-bench"
