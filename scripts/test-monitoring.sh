#!/usr/bin/env bash
# Tests the shipped monitoring files (packaging/monitoring/) against a built PersonaWorlds binary:
#   1. `promtool check rules` on the alert and recording rules;
#   2. `promtool test rules` on their unit tests (synthetic series at and past each threshold);
#   3. scripts/check-monitoring.py against the binary on loopback: every metric name and label the rules
#      and the Grafana dashboard query is exported, every route the rules name is a route label, and the
#      dashboard imports anywhere (data source variable, valid PromQL).
#
# Usage: scripts/test-monitoring.sh PATH_TO_BINARY
#
# The server runs with a scheduled backup interval (so backup_interval_seconds has a sample) and a public
# read limit of 1 a minute (so a rejection gives rate_limit_events_total a sample). Takes a few seconds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MON="$ROOT/packaging/monitoring"
PROMTOOL=$(command -v promtool || true)
[[ -n "$PROMTOOL" ]] || { echo "test-monitoring: promtool not on PATH (apt-get install prometheus; scripts/deps.sh test)" >&2; exit 69; }

"$PROMTOOL" check rules "$MON/personaworlds-alerts.yml"
"$PROMTOOL" test rules "$MON/personaworlds-alerts.test.yml"

# BIN, TMP, PORT, BASE, the cleanup trap (stops the server and the test driver) and test_server_*.
source "$ROOT/scripts/lib/test-server.sh" test-monitoring "$@"
test_server_start LOG_LEVEL=warning BACKUP_EVERY=1h RATE_LIMIT_PUBLIC_READ_PER_MIN=1
test_server_wait_healthy
test_server_run_driver "$ROOT" 60 "check-monitoring.py" \
    "the rules' and the dashboard's metrics, labels and routes are exported by the binary" \
    python3 scripts/check-monitoring.py --base "$BASE" --promtool "$PROMTOOL" \
    "$MON/personaworlds-alerts.yml" "$MON/personaworlds-dashboard.json"
