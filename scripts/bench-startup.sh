#!/usr/bin/env bash
# Start-up time (part of make bench): from launching `personaworlds serve` on an existing database
# (migrated, demo-seeded) to its first 200 on /healthz, five times; prints each run and the median.
# Usage: scripts/bench-startup.sh PATH_TO_BINARY
set -euo pipefail
BIN=$1
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid" ] && wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env_=(DATABASE_PATH="$tmp/start.sqlite" PORT="$port" BIND_ADDRESS=127.0.0.1 LOG_LEVEL=warning
  JWT_SECRET=bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz)
env "${env_[@]}" "$BIN" seed --demo >/dev/null 2>&1
times=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  env "${env_[@]}" "$BIN" serve >"$tmp/server.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
    sleep 0.002
  done
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000000 )))
  kill $pid; wait $pid 2>/dev/null || true
  pid=
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
echo "bench: start-up, serve -> first 200 on /healthz on an existing database: ${times[*]} ms (median ${median} ms)"
