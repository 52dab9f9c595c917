#!/usr/bin/env bash
# Runs the browser journey (Tests/browser/journey.py: Playwright for Python driving Debian's
# chromium) against a built PersonaWorlds binary.
#
# Usage: scripts/browser-tests.sh PATH_TO_BINARY
#
# Starts the binary on a free loopback port with a throw-away SQLite database (public rate limits
# off, the mock LLM at 200 ms latency, owner@example.com as the only admin), waits for /healthz, runs
# the journey (with JavaScript, then again without; axe-core on every page), which writes desktop and phone
# screenshots to .build/ui-screenshots, and exits with
# the journey's status. On failure it prints the tail of the server log. The server is always
# stopped (trap on EXIT/INT/TERM).
#
# Needs: chromium (apt) and the playwright and axe-playwright-python Python packages (pip);
# Playwright's own browser download is not used.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# BIN, TMP, PORT, BASE, the cleanup trap (stops the server and the test driver) and test_server_*.
source "$ROOT/scripts/lib/test-server.sh" browser-tests "$@"

JOURNEY="$ROOT/Tests/browser/journey.py"
SHOTS="$ROOT/.build/ui-screenshots"
JWT_SECRET_TEST="browser-test-secret-0123456789abcdefghij" # 40 chars, test only

[[ -f "$JOURNEY" ]] || { echo "browser-tests: journey not found: $JOURNEY" >&2; exit 64; }
command -v chromium >/dev/null 2>&1 || [[ -x /usr/bin/chromium ]] \
    || { echo "browser-tests: chromium not found (apt-get install chromium)" >&2; exit 69; }
python3 -c 'import playwright.sync_api, axe_playwright_python' 2>/dev/null \
    || { echo "browser-tests: playwright or axe-playwright-python is missing (scripts/deps.sh test)" >&2; exit 69; }

# FRONTEND_ORIGIN is the base of share links, so they point at this server. Public read/write rate
# limits are off: the journey reads /p/… and /b/… from several clients in a few seconds.
test_server_start JWT_SECRET="$JWT_SECRET_TEST" FRONTEND_ORIGIN="$BASE" \
    LOG_LEVEL=warning MOCK_LLM_LATENCY=200ms \
    RATE_LIMIT_PUBLIC_READ_PER_MIN=0 RATE_LIMIT_PUBLIC_WRITE_PER_MIN=0
test_server_wait_healthy
echo "browser-tests: server $BASE (pid $SERVER_PID), screenshots in $SHOTS"

# A hard limit keeps a wedged browser from hanging CI.
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png # no stale screenshots from an earlier run
test_server_run_driver "$ROOT" 600 "the journey" "the journey passed ($BIN)" \
    python3 Tests/browser/journey.py --base-url "$BASE" --screenshots "$SHOTS" \
    --grant-admin "env DATABASE_PATH=$TMP/db.sqlite JWT_SECRET=$JWT_SECRET_TEST LOG_LEVEL=error $BIN admin grant"
