# Sourced by the package tests (test-deb.sh, test-deb-upgrade.sh), which run as root from the checkout:
#   TEST_NAME=test-deb source scripts/lib/deb-test.sh
# Sets the package's paths (PKG, CONF, STATE, DB), the timeouts, FAILED, SERVER_PID, WORK (a scratch
# directory) with LOG (the server's output) and BODY (the last response body), and installs an EXIT
# trap (deb_test_cleanup). A script may define two hooks, called by the trap: deb_test_failure_logs
# (more diagnostics when the test failed) and deb_test_after_purge (undo its own changes).
# PURGE_AFTER_PASS=1: the trap purges the package after a pass too (else only after a failure, and
# never with KEEP_INSTALLED=1).
PKG=personaworlds
CONF=/etc/personaworlds/personaworlds.env
STATE=/var/lib/personaworlds
DB="$STATE/personaworlds.sqlite"
START_TIMEOUT=${START_TIMEOUT:-60}
STOP_TIMEOUT=${STOP_TIMEOUT:-30}
PURGE_AFTER_PASS=${PURGE_AFTER_PASS:-0}

FAILED=0
SERVER_PID=
WORK=$(mktemp -d "/tmp/personaworlds-$TEST_NAME.XXXXXX")
LOG=$WORK/server.log
BODY=$WORK/body
: >"$LOG"

pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; FAILED=1; }
# fatal: stop here (the trap cleans up).
fatal() { printf 'FAIL: %s\n' "$*"; FAILED=1; exit 1; }
pkg_state() { dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null || echo not-installed; }
check() { # check "description" command...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@"; }

deb_test_cleanup() {
    local rc=$? failed=0
    stop_server_process quietly 2>/dev/null
    if [ "$FAILED" -ne 0 ] || [ "$rc" -ne 0 ]; then failed=1; fi
    if [ "$failed" -ne 0 ]; then
        if [ -s "$LOG" ]; then
            echo "---- server log (last 40 lines) ----"
            tail -n 40 "$LOG"
            echo "------------------------------------"
        fi
        if declare -F deb_test_failure_logs >/dev/null; then deb_test_failure_logs || true; fi
    fi
    if [ "$(pkg_state)" != not-installed ] \
        && { [ "$failed" -eq 0 ] && [ "$PURGE_AFTER_PASS" = 1 ] || [ "${KEEP_INSTALLED:-0}" != 1 ]; }; then
        DEBIAN_FRONTEND=noninteractive dpkg --purge "$PKG" >/dev/null 2>&1 || true
    fi
    if declare -F deb_test_after_purge >/dev/null; then deb_test_after_purge || true; fi
    rm -rf "$WORK"
    if [ "$failed" -ne 0 ]; then
        echo "$TEST_NAME: FAIL"
        [ "$rc" -ne 0 ] || rc=1
    fi
    exit "$rc"
}
trap deb_test_cleanup EXIT
trap 'exit 130' INT TERM

# require_root_and TOOL...: fatal unless root and every TOOL is on PATH.
require_root_and() {
    [ "$(id -u)" -eq 0 ] || fatal "must run as root (dpkg -i)"
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || fatal "missing tool: $tool"
    done
}

# find_deb [DEB]: sets DEB (absolute) and VERSION; without an argument the only dist/personaworlds_*_amd64.deb.
find_deb() {
    if [ $# -ge 1 ]; then
        DEB=$1
    else
        local debs
        shopt -s nullglob
        debs=(dist/"$PKG"_*_amd64.deb)
        shopt -u nullglob
        [ "${#debs[@]}" -eq 1 ] || fatal "expected exactly one dist/${PKG}_*_amd64.deb, found ${#debs[@]} (run scripts/build-deb.sh)"
        DEB=${debs[0]}
    fi
    [ -f "$DEB" ] || fatal "no such file: $DEB"
    DEB=$(readlink -f "$DEB")
    VERSION=$(dpkg-deb -f "$DEB" Version)
}

# purge_installed_first: a test starts from a clean state, whatever an earlier run left installed.
purge_installed_first() {
    if [ "$(pkg_state)" != not-installed ]; then
        echo "$TEST_NAME: purging the installed $PKG ($(pkg_state)) first"
        DEBIAN_FRONTEND=noninteractive dpkg --purge "$PKG" >/dev/null
    fi
}

# install_deb DEB [--force-confold]: apt-get install, else dpkg -i (when apt-get fails but the
# dependencies are already present); fatal with apt's output when both fail.
install_deb() {
    local deb=$1 note="" apt_opts=() dpkg_opts=()
    if [ "${2:-}" = --force-confold ]; then
        apt_opts=(-o Dpkg::Options::=--force-confold)
        dpkg_opts=(--force-confold)
        note=" (--force-confold)"
    fi
    if apt_get "${apt_opts[@]}" install --no-install-recommends "$deb" >"$WORK/apt.log" 2>&1; then
        pass "apt-get install $(basename "$deb")$note"
    elif DEBIAN_FRONTEND=noninteractive dpkg "${dpkg_opts[@]}" -i "$deb" >>"$WORK/apt.log" 2>&1; then
        pass "dpkg -i $(basename "$deb")$note (apt-get install failed; dependencies already present)"
    else
        cat "$WORK/apt.log"
        fatal "installing $deb"
    fi
}

# free_port: a free loopback port on stdout.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server_process: starts the installed binary like the unit starts it, without systemd: as
# personaworlds:personaworlds, cwd $STATE, umask 027, the config's KEY=VALUE lines (what systemd's
# EnvironmentFile= would export) in a clean environment plus --config, which the binary reads itself,
# on the test's $PORT (environment variables win over the file). Output appended to $LOG; sets
# SERVER_PID (setpriv and runuser exec in place, so it is the server itself and gets signals directly).
start_server_process() {
    local env_vars=() line
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in '' | '#'*) continue ;; esac
        env_vars+=("$line")
    done <"$CONF"
    local as_user=(runuser -u "$PKG" --)
    command -v setpriv >/dev/null 2>&1 && as_user=(setpriv --reuid="$PKG" --regid="$PKG" --init-groups --)
    (cd "$STATE" && umask 027 && exec "${as_user[@]}" \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$STATE" "${env_vars[@]}" \
        PORT="$PORT" BIND_ADDRESS=127.0.0.1 \
        /usr/bin/$PKG serve --config "$CONF") >>"$LOG" 2>&1 &
    SERVER_PID=$!
}

# stop_server_process [quietly]: SIGTERM, then KILL after STOP_TIMEOUT; unless quietly, a check that
# it stopped in time with status 0.
stop_server_process() {
    [ -n "$SERVER_PID" ] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT))
        while kill -0 "$SERVER_PID" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            [ "${1:-}" = quietly ] || fail "server still running ${STOP_TIMEOUT}s after SIGTERM"
            kill -KILL "$SERVER_PID" 2>/dev/null || true
        fi
    fi
    local rc
    wait "$SERVER_PID" 2>/dev/null && rc=0 || rc=$?
    SERVER_PID=
    [ "${1:-}" = quietly ] || check "server exited after SIGTERM with status 0 (got $rc)" [ "$rc" -eq 0 ]
}

# wait_healthy "what": GET $BASE/healthz -> 200 within START_TIMEOUT (a pass), else a failure and
# status 1; with a SERVER_PID (no systemd) it stops early when that process exits.
wait_healthy() {
    local status=000 deadline=$((SECONDS + START_TIMEOUT)) rc
    while [ "$SECONDS" -lt "$deadline" ]; do
        if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
            wait "$SERVER_PID" 2>/dev/null && rc=0 || rc=$?
            SERVER_PID=
            fail "$1: server exited during start-up (status $rc)"
            return 1
        fi
        status=$(curl -s -o "$BODY" -w '%{http_code}' --max-time 2 "$BASE/healthz" || true)
        if [ "$status" = 200 ]; then
            pass "$1: GET /healthz -> 200 ($(head -c 200 "$BODY"))"
            return 0
        fi
        sleep 0.5
    done
    fail "$1: GET /healthz did not return 200 within ${START_TIMEOUT}s (last: $status)"
    return 1
}

json() { # json FILE KEY...: the value at that path, or nothing
    python3 - "$@" <<'EOF' 2>/dev/null || true
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)
EOF
}

api() { # api METHOD PATH [TOKEN [JSON-BODY]]: status code on stdout, body in $BODY
    local args=(-s -o "$BODY" -w '%{http_code}' --max-time 10 -X "$1")
    [ -z "${3:-}" ] || args+=(-H "Authorization: Bearer $3")
    [ -z "${4:-}" ] || args+=(-H 'Content-Type: application/json' -d "$4")
    curl "${args[@]}" "$BASE$2" || true
}
