#!/usr/bin/env bash
# Runs the browser journey (Tests/browser/journey.py: Playwright for Python driving Debian's
# chromium) against a built PersonaWorlds binary.
#
# Usage: scripts/browser-tests.sh PATH_TO_BINARY
#
# Starts the binary on a free loopback port with a throw-away SQLite database (public rate limits
# off, the mock LLM at 200 ms latency, owner@example.com as the only admin), waits for /healthz, runs
# the journey, which writes desktop and phone screenshots to .build/ui-screenshots, and exits with
# the journey's status. On failure it prints the tail of the server log. The server is always
# stopped (trap on EXIT/INT/TERM).
#
# Needs: chromium (apt) and the playwright Python package (pip); Playwright's own browser download
# is not used.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: $0 PATH_TO_BINARY" >&2
    exit 64
fi

BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOURNEY="$ROOT/Tests/browser/journey.py"
SHOTS="$ROOT/.build/ui-screenshots"
JWT_SECRET_TEST="browser-test-secret-0123456789abcdefghij" # 40 chars, test only

[[ -x "$BIN" ]] || { echo "browser-tests: binary not executable: $BIN" >&2; exit 64; }
[[ -f "$JOURNEY" ]] || { echo "browser-tests: journey not found: $JOURNEY" >&2; exit 64; }
command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]] \
    || { echo "browser-tests: chromium not found (apt-get install chromium)" >&2; exit 69; }
python3 -c 'import playwright.sync_api' 2>/dev/null \
    || { echo "browser-tests: the playwright Python package is missing (python3 -m pip install playwright)" >&2; exit 69; }

# TMP, PORT, BASE and the cleanup trap (stops the server and the test driver).
source "$ROOT/scripts/lib/test-server.sh" browser

# FRONTEND_ORIGIN is the base of share links, so they point at this server. Public read/write rate
# limits are off: the journey reads /p/… and /b/… from several clients in a few seconds.
DATABASE_PATH="$TMP/pw.db" PORT="$PORT" BIND_ADDRESS=127.0.0.1 \
    JWT_SECRET="$JWT_SECRET_TEST" FRONTEND_ORIGIN="$BASE" ADMIN_EMAILS=owner@example.com \
    LOG_LEVEL=warning MOCK_LLM_LATENCY=200ms \
    RATE_LIMIT_PUBLIC_READ_PER_MIN=0 RATE_LIMIT_PUBLIC_WRITE_PER_MIN=0 \
    "$BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

ready=0
for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null --max-time 1 "$BASE/healthz" 2>/dev/null; then ready=1; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "browser-tests: server exited during start-up" >&2; exit 1; }
    sleep 0.1
done
[[ $ready -eq 1 ]] || { echo "browser-tests: server not healthy on $BASE after 30s" >&2; exit 1; }
echo "browser-tests: server $BASE (pid $SERVER_PID), screenshots in $SHOTS"

# Run in the background and `wait`, so a signal to this script is handled at once (the trap stops
# the journey and the server). A hard limit keeps a wedged browser from hanging CI.
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png # no stale screenshots from an earlier run
(cd "$ROOT" && exec timeout --kill-after=10 300 python3 Tests/browser/journey.py --base-url "$BASE" --screenshots "$SHOTS") &
CHILD_PID=$!
set +e
wait "$CHILD_PID"
JOURNEY_RC=$?
set -e
CHILD_PID=""

if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "browser-tests: FAIL — the server died during the run" >&2
    exit 1
fi
if [[ $JOURNEY_RC -eq 0 ]]; then
    echo "browser-tests: PASS — the journey passed ($BIN)"
elif [[ $JOURNEY_RC -eq 124 || $JOURNEY_RC -eq 137 ]]; then
    echo "browser-tests: FAIL — the journey exceeded the 300s hard limit" >&2
else
    echo "browser-tests: FAIL — the journey exited with status $JOURNEY_RC" >&2
fi
exit "$JOURNEY_RC"
