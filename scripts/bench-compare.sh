#!/usr/bin/env bash
# The authenticated read against the bare server, for two builds side by side in one run:
#   scripts/bench-compare.sh BEFORE_BIN AFTER_BIN
# Each binary serves its own freshly seeded database on loopback (the same setup as scripts/bench.sh: the demo
# seed, one user with three personas, the per-IP read limit off); then, for BENCH_ROUNDS rounds, wrk measures
# GET /healthz and GET /personas (bearer token) on one server and then the other, so a drift in the machine's
# speed hits both builds alike. Prints every run and, per build, the median req/s, p99 and the ratio
# personas/healthz of the medians. Knobs: BENCH_DURATION (10s), BENCH_CONNECTIONS (50), BENCH_THREADS (2),
# BENCH_ROUNDS (3). Both servers stay up during the whole run; the idle one costs next to nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 BEFORE_BIN AFTER_BIN" >&2; exit 2; }
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
names=(before after)
bins=("$1" "$2")
for b in "${bins[@]}"; do [ -x "$b" ] || { echo "bench-compare: $b is not an executable" >&2; exit 2; }; done
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
bases=()
tokens=()
for i in 0 1; do
  name=${names[$i]}
  port=$(free_port)
  env_i=(DATABASE_PATH="$tmp/$name.sqlite" PORT="$port" BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning
    JWT_SECRET=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz RATE_LIMIT_PUBLIC_READ_PER_MIN=0)
  env "${env_i[@]}" "${bins[$i]}" seed --demo >"$tmp/$name-seed.log" 2>&1 || { cat "$tmp/$name-seed.log" >&2; exit 1; }
  env "${env_i[@]}" "${bins[$i]}" serve >"$tmp/$name-server.log" 2>&1 &
  pids+=($!)
  base="http://127.0.0.1:$port"
  for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "$base/healthz" >/dev/null || { cat "$tmp/$name-server.log" >&2; exit 1; }
  token=$(curl -fs -X POST "$base/auth/signup" -d '{"email":"bench@example.com","password":"password123"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  for n in 1 2 3; do
    curl -fs -X POST "$base/personas" -H "Authorization: Bearer $token" \
      -d "{\"name\":\"Bench $n\",\"writing_samples\":[\"a\",\"b\",\"c\"],\"preferred_language\":\"en\"}" >/dev/null
  done
  bases+=("$base")
  tokens+=("$token")
done

run_wrk() { # output file, url, extra wrk args...
  local out=$1 url=$2; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d2s "$@" "$url" >/dev/null 2>&1 || true   # warm-up
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url" >"$out"
}
for r in $(seq "$ROUNDS"); do
  for i in 0 1; do
    name=${names[$i]}
    run_wrk "$tmp/$name-healthz-$r.txt" "${bases[$i]}/healthz"
    run_wrk "$tmp/$name-personas-$r.txt" "${bases[$i]}/personas" -H "Authorization: Bearer ${tokens[$i]}"
  done
done

python3 - "$tmp" "$ROUNDS" "$CONNS" "$1" "$2" <<'PY'
import statistics, sys
sys.path.insert(0, "scripts/lib")
import wrkparse
tmp, rounds, conns = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def parse(path):
    rps, _, p99, errors = wrkparse.parse(path)
    return rps, p99, errors
print(f"bench-compare: wrk -c{conns}, {rounds} rounds; before = {sys.argv[4]}, after = {sys.argv[5]}")
summary = {}
for name in ("before", "after"):
    runs = {route: [parse(f"{tmp}/{name}-{route}-{r}.txt") for r in range(1, rounds + 1)] for route in ("healthz", "personas")}
    for r in range(rounds):
        h, p = runs["healthz"][r], runs["personas"][r]
        print(f"  {name:6} round {r + 1}: /healthz {h[0]:8.0f} req/s p99 {h[1]:6.2f} ms | /personas {p[0]:8.0f} req/s "
              f"p99 {p[1]:6.2f} ms non-2xx {p[2]} | ratio {p[0] / h[0]:.2f}")
    med = {route: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for route, v in runs.items()}
    summary[name] = med
for name, med in summary.items():
    h, p = med["healthz"], med["personas"]
    print(f"bench-compare: {name:6} median /healthz {h[0]:8.0f} req/s p99 {h[1]:6.2f} ms | /personas {p[0]:8.0f} req/s "
          f"p99 {p[1]:6.2f} ms | ratio {p[0] / h[0]:.2f}")
PY
