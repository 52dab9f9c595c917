#!/usr/bin/env bash
# The PostgreSQL section of the benchmark (make bench): our own work on PostgreSQL, on the pgbench peer's cluster
# right after the peer (scripts/pg-queue-peer.sh runs this script through PG_PEER_THEN with the cluster in PG_BIN,
# PG_CLUSTER_DIR, PG_CLUSTER_PORT, PG_CLUSTER_USER, PG_CLUSTER_LOG and the peer's rates in PG_PEER_RATE_ON/_OFF, and the
# lean peer's, without the worker's two reads, in PG_PEER_RATE_ON_LEAN).
# Standalone (bash scripts/bench-postgres.sh) it starts a throwaway cluster of its own (scripts/lib/pg-cluster.sh)
# and prints no ratio to the peer. One empty database per part or run (pwb_*), so none sees another's rows; the queue
# parts' are created just before their part and dropped after it.
#
#   1. reply jobs end to end on PostgreSQL (personaworlds-bench pg-e2e: the real queue and worker pool in one process,
#      no-op LLM, WORKER_CONCURRENCY=4, BENCH_JOBS jobs; the median of BENCH_PG_E2E_RUNS (5) runs of about 2 s, against
#      the peer's one run of PG_PEER_SECONDS) and its ratio to the peer; target >= 3x the peer at the same
#      durability (synchronous_commit=on, the cluster's setting when our part runs; the ratio to =off is printed too)
#   2. one vs two `serve --worker-only` nodes on one database (pg-procs), BENCH_PG_PROCS_PAIRS (5) pairs side by side,
#      alternating which goes first; target: two >= one, judged on the median of the pairs' ratios
#   3. enqueue on one node → start on another (pg-latency: two pools, LISTEN/NOTIFY between them), p99 < 25 ms
#   4. rate-limit check (pg-ratelimit: PostgresRateLimitStore.take), p99 < 2 ms
#   5. statements per second issued by one idle `serve` (web + worker) over BENCH_PG_IDLE_SECONDS (30) after a settle of
#      5 s: log_statement=all on its database only, lines counted in the server log (exact); the transactions from
#      pg_stat_database (flushed up to 10 s late) beside it; target <= 2/s
#   6. GET /personas (authed) against GET /healthz with the server on PostgreSQL (wrk as bench.sh's HTTP part:
#      BENCH_DURATION, BENCH_CONNECTIONS, BENCH_THREADS); no target of its own (SQLite's is >= 0.40, printed beside)
#   7. `personaworlds move-to-postgres` of the engagement dataset: BENCH_SCALE_DB (bench.sh's `seed --demo-scale`
#      file) when it exists, else a `seed --demo-scale $BENCH_PG_MOVE_SCALE` (1000) file seeded here; rows/s over the
#      whole command (migrate, copy, verify, commit), the command's own copy-only figure beside; target >= 50,000 rows/s
#
# Needs PERSONAWORLDS_BIN (the personaworlds binary) and, for 1-4, QUEUE_BENCH (personaworlds-bench). Every part
# prints its figures with the target beside; a part that cannot run prints `bench-postgres: <part> SKIP (why)` and
# the others still run; the script always exits 0. Knobs: BENCH_PG_PARTS (e2e,procs,latency,ratelimit,idle,http,move:
# all by default), BENCH_JOBS (5000), BENCH_PG_E2E_RUNS (5; 1-99), BENCH_PG_PROCS_PAIRS (5; 1-99),
# BENCH_PG_LATENCY_JOBS (200), BENCH_PG_RATELIMIT_CHECKS (5000), BENCH_PG_IDLE_SECONDS (30), BENCH_PG_MOVE_SCALE (1000),
# BENCH_SCALE_DB.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 0
say() { echo "bench-postgres: $*"; }
BIN=${PERSONAWORLDS_BIN:-}
QUEUE_BENCH=${QUEUE_BENCH:-}
PARTS=",${BENCH_PG_PARTS:-e2e,procs,latency,ratelimit,idle,http,move},"
IDLE_SECONDS=${BENCH_PG_IDLE_SECONDS:-30}
# Runs of pg-e2e and pairs of pg-procs: a database is created for each, so a value that is not a count falls back to 5.
# Five, not three: single pg-procs pairs ranged from 0.74 to 1.39 on a 2-core machine, wider than the margin the target
# judges, so a median of three landed on either side of 1 by chance; pg-e2e runs moved by a fifth seconds apart.
E2E_RUNS=${BENCH_PG_E2E_RUNS:-5}
[[ $E2E_RUNS =~ ^[1-9][0-9]?$ ]] || E2E_RUNS=5
PROCS_PAIRS=${BENCH_PG_PROCS_PAIRS:-5}
[[ $PROCS_PAIRS =~ ^[1-9][0-9]?$ ]] || PROCS_PAIRS=5
MOVE_SCALE=${BENCH_PG_MOVE_SCALE:-1000}
DURATION=${BENCH_DURATION:-10s}
CONNS=${BENCH_CONNECTIONS:-50}
THREADS=${BENCH_THREADS:-2}
JWT=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz
want() { [[ $PARTS == *",$1,"* ]]; }

if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then say "SKIP (PERSONAWORLDS_BIN='$BIN' is not an executable)"; exit 0; fi
BIN=$(realpath "$BIN")
[ -z "$QUEUE_BENCH" ] || [ ! -e "$QUEUE_BENCH" ] || QUEUE_BENCH=$(realpath "$QUEUE_BENCH")
[[ $IDLE_SECONDS =~ ^[1-9][0-9]*$ && $MOVE_SCALE =~ ^[1-9][0-9]*$ ]] ||
  { say "SKIP (BENCH_PG_IDLE_SECONDS and BENCH_PG_MOVE_SCALE must be positive integers)"; exit 0; }

# The cluster: the peer's (inherited) or our own. pg-cluster.sh resets its variables when sourced, so keep the peer's.
inherited=("${PG_BIN:-}" "${PG_CLUSTER_DIR:-}" "${PG_CLUSTER_PORT:-}" "${PG_CLUSTER_USER:-}" "${PG_CLUSTER_LOG:-}")
# shellcheck source=scripts/lib/pg-cluster.sh
source scripts/lib/pg-cluster.sh
work=$(mktemp -d)
pids=()
own_cluster=0
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
  local p
  for p in ${pids[@]+"${pids[@]}"}; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  if [ "$own_cluster" = 1 ]; then pg_cluster_stop; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -n "${inherited[1]}" ]; then
  PG_BIN=${inherited[0]} PG_CLUSTER_DIR=${inherited[1]} PG_CLUSTER_PORT=${inherited[2]} PG_CLUSTER_USER=${inherited[3]}
  PG_CLUSTER_LOG=${inherited[4]}
else
  own_cluster=1
  pg_cluster_start "shared_buffers = 128MB" "max_connections = 100" || { say "SKIP ($PG_CLUSTER_ERROR)"; exit 0; }
fi
psql_() { pg_cluster_psql "$@"; }
fresh_db() { # name: a new, empty database (dropped first if an earlier part left it)
  psql_ -c "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1 && pg_cluster_createdb "$1"
}
ver=$("$PG_BIN/postgres" --version | awk '{print $3}')
say "PostgreSQL $ver on the $([ "$own_cluster" = 1 ] && echo "section's own" || echo "peer's") cluster (unix socket, fsync=on, synchronous_commit=$(psql_ -At -c 'SHOW synchronous_commit' 2>/dev/null || echo '?'))"

# 1-4: personaworlds-bench's pg-* parts.
queue_parts=()
for p in e2e procs latency ratelimit; do want "$p" && queue_parts+=("pg-$p"); done
if [ ${#queue_parts[@]} -gt 0 ]; then
  if [ -z "$QUEUE_BENCH" ] || [ ! -x "$QUEUE_BENCH" ]; then
    say "${queue_parts[*]} SKIP (QUEUE_BENCH='$QUEUE_BENCH': no personaworlds-bench)"
  else
    # One database per run (personaworlds-bench's PostgresBenchTarget names them): e2e_1, procs<nodes>_<pair>,
    # latency, ratelimit. Each exists only while its part runs, and each `pg-e2e` run is an invocation of its own on a
    # fresh `e2e_1`: the cluster's autovacuum (the peer's naptime of 1 s) starts a worker for every database each nap, and
    # with all 15 in place that was one every 70 ms beside the part being measured, where the peer's run had its one
    # database (the cross-node p99 was 22-34 ms with them, 15-18 ms without, in alternating runs of that part alone).
    : >"$work/queue.txt"
    e2e_rates=()
    for part in "${queue_parts[@]}"; do
      reps=1
      [ "$part" = pg-e2e ] && reps=$E2E_RUNS
      for ((rep = 1; rep <= reps; rep++)); do
        dbs=()
        case $part in
          pg-e2e) dbs=(e2e_1) ;;
          pg-procs) for ((p = 1; p <= PROCS_PAIRS; p++)); do dbs+=("procs1_$p" "procs2_$p"); done ;;
          pg-latency) dbs=(latency) ;;
          pg-ratelimit) dbs=(ratelimit) ;;
        esac
        ok=1
        for db in "${dbs[@]}"; do fresh_db "pwb_$db" || { ok=0; break; }; done
        if [ "$ok" = 0 ]; then
          say "$part SKIP ($PG_CLUSTER_ERROR)" | tee -a "$work/queue.txt"
          break
        fi
        # BENCH_PG_E2E_RUNS=1: each pg-e2e run is an invocation of its own (the other parts ignore it).
        BENCH_QUEUE_PARTS=$part BENCH_SERVER_BIN="$BIN" BENCH_PG_SOCKET_DIR="$PG_CLUSTER_DIR" BENCH_PG_PORT="$PG_CLUSTER_PORT" \
          BENCH_PG_USER="$PG_CLUSTER_USER" BENCH_PG_DB_PREFIX=pwb_ BENCH_PG_E2E_RUNS=1 BENCH_PG_PROCS_PAIRS=$PROCS_PAIRS \
          "$QUEUE_BENCH" >"$work/part.txt" 2>&1
        rc=$?
        if [ "$part" = pg-e2e ]; then
          # A run's own "median of 1" line is its rate; the median of the runs is printed below.
          rate=$(sed -nE 's/^bench: pg queue end-to-end, the median of 1 runs: +([0-9]+([.][0-9]+)?) jobs\/s .*/\1/p' "$work/part.txt")
          [ -n "$rate" ] && e2e_rates+=("$rate")
          grep -v '^bench: pg queue end-to-end, the median of 1 runs:' "$work/part.txt"
        else
          cat "$work/part.txt"
          cat "$work/part.txt" >>"$work/queue.txt"
        fi
        [ "$rc" = 0 ] || say "personaworlds-bench ($part) SKIP (exited with $rc; figures above are what finished)"
        for db in "${dbs[@]}"; do psql_ -c "DROP DATABASE IF EXISTS pwb_$db" >/dev/null 2>&1 || true; done
      done
      if [ "$part" = pg-e2e ] && [ ${#e2e_rates[@]} -gt 0 ]; then
        # The median as personaworlds-bench takes it (the value at rank round((n - 1) / 2) of the sorted rates).
        printf '%s\n' "${e2e_rates[@]}" | sort -g | awk -v n=${#e2e_rates[@]} -v all="$(IFS=,; echo "${e2e_rates[*]}")" '
          { v[NR] = $1 }
          END { gsub(",", ", ", all); printf "bench: pg queue end-to-end, the median of %d runs: %8.0f jobs/s (%s)\n", n, v[int((n - 1) * 0.5 + 0.5) + 1], all }' |
          tee -a "$work/queue.txt"
      fi
    done
    ours=$(sed -nE 's/^bench: pg queue end-to-end, the median of [0-9]+ runs: +([0-9]+([.][0-9]+)?) jobs\/s .*/\1/p' "$work/queue.txt" | head -1)
    if want e2e && [ -n "$ours" ]; then
      if [ -n "${PG_PEER_RATE_ON:-}" ] && [ -n "${PG_PEER_RATE_OFF:-}" ]; then
        awk -v o="$ours" -v on="$PG_PEER_RATE_ON" -v off="$PG_PEER_RATE_OFF" -v lean="${PG_PEER_RATE_ON_LEAN:-0}" 'BEGIN {
          r_on = on > 0 ? o / on : 0; r_off = off > 0 ? o / off : 0
          printf "bench-postgres: reply jobs on PostgreSQL / pgbench peer: %.3fx the peer at synchronous_commit=on (%s jobs/s), %.2fx at =off (%s jobs/s)  (target >= 3x at =on: %s)\n",
            r_on, on, r_off, off, (r_on >= 3 ? "met" : "MISSED")
          if (lean > 0) printf "bench-postgres: reply jobs on PostgreSQL / the lean peer (without the worker'"'"'s two reads, as before 2026-12-07): %.3fx (%s jobs/s at =on)\n", o / lean, lean }'
      else
        say "reply jobs ratio to the pgbench peer: SKIP (no peer figures: run through scripts/pg-queue-peer.sh or make bench)"
      fi
    fi
  fi
fi

serve_pg() { # database, log, extra env...: a `serve` on a fresh database; sets srv_pid and srv_base
  local db=$1 log=$2
  shift 2
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # From the work directory, so nothing the server might write lands in the checkout.
  (cd "$work" && exec env DATABASE_URL="$(pg_cluster_url "$db")" DATABASE_PATH="$work/unused.sqlite" PORT="$port" \
    BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning JWT_SECRET=$JWT RATE_LIMIT_PUBLIC_READ_PER_MIN=0 RATE_LIMIT_EVENTS_PER_MIN=0 \
    "$@" "$BIN" serve) >"$log" 2>&1 &
  srv_pid=$!
  pids+=("$srv_pid")
  srv_base="http://127.0.0.1:$port"
  # /readyz: 200 once the schema is migrated and the defaults seeded (the first start migrates).
  for _ in $(seq 300); do
    curl -fs "$srv_base/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
stop_serve() {
  kill "$srv_pid" 2>/dev/null || true
  wait "$srv_pid" 2>/dev/null || true
}

# 5: an idle node's statements per second.
if want idle; then
  if ! fresh_db pwb_idle || ! psql_ -c "ALTER DATABASE pwb_idle SET log_statement = 'all'" >/dev/null 2>&1 ||
    ! psql_ -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] db=%d '" -c "SELECT pg_reload_conf()" >/dev/null 2>&1; then
    say "idle node SKIP (preparing database pwb_idle with log_statement=all failed)"
  elif ! serve_pg pwb_idle "$work/idle.log"; then
    say "idle node SKIP (serve on PostgreSQL did not become ready; its log:)"; tail -5 "$work/idle.log" | sed 's/^/bench-postgres:   /'
  else
    sleep 5 # start-up work (first polls, heartbeats, schedulers' first look) settles
    xacts() { psql_ -At -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'pwb_idle'"; }
    count() { grep -cE 'db=pwb_idle (LOG|LOG:) +(statement|execute [^:]*):' "$PG_CLUSTER_LOG" 2>/dev/null || true; }
    lines0=$(count)
    x0=$(xacts)
    sleep "$IDLE_SECONDS"
    lines1=$(count)
    x1=$(xacts)
    stop_serve
    # The most frequent statements, so a figure over the target says what to look at.
    top=$(grep -E 'db=pwb_idle LOG: +(statement|execute [^:]*):' "$PG_CLUSTER_LOG" | tail -n "+$((lines0 + 1))" | head -n $((lines1 - lines0)) |
      sed -E 's/.*(statement|execute [^:]*): *//' | cut -c1-70 | sort | uniq -c | sort -rn | head -8 | awk '{$1=$1; print}' | paste -sd';' -)
    awk -v n=$((lines1 - lines0)) -v x=$((x1 - x0)) -v s="$IDLE_SECONDS" -v top="$top" 'BEGIN {
      printf "bench-postgres: idle node (serve, web + worker): %.2f statements/s (%d in %d s; %.2f transactions/s from pg_stat_database)  (target <= 2/s: %s)\n",
        n / s, n, s, x / s, (n / s <= 2 ? "met" : "MISSED")
      if (top != "") printf "bench-postgres:   most frequent: %s\n", top }'
  fi
  psql_ -c "ALTER SYSTEM RESET log_line_prefix" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
fi

# 6: GET /personas against /healthz with the server on PostgreSQL.
if want http; then
  if ! command -v wrk >/dev/null 2>&1; then
    say "HTTP SKIP (no wrk)"
  elif ! fresh_db pwb_http; then
    say "HTTP SKIP ($PG_CLUSTER_ERROR)"
  elif ! serve_pg pwb_http "$work/http.log"; then
    say "HTTP SKIP (serve on PostgreSQL did not become ready; its log:)"; tail -5 "$work/http.log" | sed 's/^/bench-postgres:   /'
  else
    token=$(curl -fs -X POST "$srv_base/auth/signup" -d '{"email":"bench@example.com","password":"password123"}' |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])' 2>/dev/null)
    for n in 1 2 3; do
      curl -fs -X POST "$srv_base/personas" -H "Authorization: Bearer $token" \
        -d "{\"name\":\"Bench $n\",\"writing_samples\":[\"a\",\"b\",\"c\"],\"preferred_language\":\"en\"}" >/dev/null 2>&1
    done
    if [ -z "$token" ]; then
      say "HTTP SKIP (signup on the PostgreSQL server failed)"
    else
      for name in healthz personas; do
        url="$srv_base/$name"
        hdr=()
        [ "$name" = personas ] && hdr=(-H "Authorization: Bearer $token")
        wrk -t"$THREADS" -c"$CONNS" -d2s "${hdr[@]}" "$url" >/dev/null 2>&1 || true # warm-up
        wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url" >"$work/wrk-$name.txt" 2>&1 || true
      done
      python3 - "$work/wrk-healthz.txt" "$work/wrk-personas.txt" "$CONNS" <<'PY' || say "HTTP SKIP (wrk's output could not be read)"
import sys
sys.path.insert(0, "scripts/lib")
from wrkparse import parse
h, p = parse(sys.argv[1]), parse(sys.argv[2])
ratio = p[0] / h[0]
print(f"bench-postgres: GET /healthz          {h[0]:10.0f} req/s   p50 {h[1]:6.2f} ms   p99 {h[2]:6.2f} ms   non-2xx {h[3]}   ({sys.argv[3]} connections)")
print(f"bench-postgres: GET /personas (auth)  {p[0]:10.0f} req/s   p50 {p[1]:6.2f} ms   p99 {p[2]:6.2f} ms   non-2xx {p[3]}   (server on PostgreSQL)")
print(f"bench-postgres: ratio personas/healthz on PostgreSQL = {ratio:.2f}  (no target of its own; SQLite's is >= 0.40: {'would be met' if ratio >= 0.40 else 'below it'})")
PY
    fi
    stop_serve
  fi
fi

# 7: move-to-postgres rows/s.
if want move; then
  src=${BENCH_SCALE_DB:-}
  what="bench.sh's engagement dataset"
  if [ -z "$src" ] || [ ! -f "$src" ]; then
    src="$work/move-source.sqlite"
    what="seed --demo-scale $MOVE_SCALE"
    if ! env DATABASE_PATH="$src" JWT_SECRET=$JWT LOG_LEVEL=warning DB_QUERY_TIMEOUT=0 "$BIN" seed --demo-scale "$MOVE_SCALE" >"$work/move-seed.log" 2>&1; then
      say "move-to-postgres SKIP (seed --demo-scale $MOVE_SCALE failed:)"; tail -3 "$work/move-seed.log" | sed 's/^/bench-postgres:   /'
      src=
    fi
  fi
  if [ -n "$src" ]; then
    if ! fresh_db pwb_move; then
      say "move-to-postgres SKIP ($PG_CLUSTER_ERROR)"
    else
      t0=$(date +%s.%N)
      env DATABASE_PATH="$src" JWT_SECRET=$JWT LOG_LEVEL=warning "$BIN" move-to-postgres --to "$(pg_cluster_url pwb_move)" >"$work/move.log" 2>&1
      rc=$?
      t1=$(date +%s.%N)
      line=$(grep -m1 -E '^move-to-postgres: [0-9]+ rows in' "$work/move.log")
      if [ "$rc" != 0 ] || [ -z "$line" ]; then
        say "move-to-postgres SKIP (exit status $rc; its output:)"; tail -5 "$work/move.log" | sed 's/^/bench-postgres:   /'
      else
        rows=$(sed -nE 's/^move-to-postgres: ([0-9]+) rows in.*/\1/p' <<<"$line")
        echo "bench-postgres: $line"
        awk -v r="$rows" -v a="$t0" -v b="$t1" -v what="$what" 'BEGIN {
          s = b - a; rate = s > 0 ? r / s : 0
          printf "bench-postgres: move-to-postgres of %s: %d rows in %.2f s for the whole command (migrate, copy, verify, commit) = %.0f rows/s  (target >= 50,000 rows/s: %s)\n",
            what, r, s, rate, (rate >= 50000 ? "met" : "MISSED") }'
      fi
    fi
  fi
fi
exit 0
