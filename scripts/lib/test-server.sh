# Sourced by the scripts that test a built binary on loopback (schemathesis.sh, browser-tests.sh):
#   source scripts/lib/test-server.sh NAME "$@"
# NAME prefixes every message; "$@" must be exactly PATH_TO_BINARY (else usage, exit 64).
# Sets BIN (the binary's absolute path), TMP (a scratch directory), PORT (a free loopback port) and
# BASE, and installs an EXIT trap that stops CHILD_PID (the test driver) and SERVER_PID (the server:
# TERM, then KILL after 5 s), prints the tail of $TMP/server.log when the script fails, and removes
# $TMP when it passes. Then the script calls:
#   test_server_start VAR=VALUE...   `BIN serve` on PORT with a throw-away database in TMP
#   test_server_wait_healthy         until GET /healthz answers
#   test_server_run_driver DIR LIMIT WHAT PASS_TEXT COMMAND...   the test itself; exits with its status
TEST_NAME=$1
shift
if [[ $# -ne 1 ]]; then
    echo "usage: $0 PATH_TO_BINARY" >&2
    exit 64
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[[ -x "$BIN" ]] || { echo "$TEST_NAME: binary not executable: $BIN" >&2; exit 64; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pw-$TEST_NAME.XXXXXX")
SERVER_PID=""
CHILD_PID=""

test_server_cleanup() {
    local rc=$?
    if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        kill -TERM "$CHILD_PID" 2>/dev/null || true
        wait "$CHILD_PID" 2>/dev/null || true
    fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ $rc -ne 0 && -s "$TMP/server.log" ]]; then
        echo "--- last server log lines ($TMP/server.log) ---" >&2
        tail -n 40 "$TMP/server.log" >&2 || true
    else
        rm -rf "$TMP"
    fi
    exit "$rc"
}
trap test_server_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"

# test_server_start VAR=VALUE...: starts `BIN serve` on 127.0.0.1:PORT with the database $TMP/db.sqlite
# and the given variables on top of this environment; output in $TMP/server.log; sets SERVER_PID.
test_server_start() {
    env DATABASE_PATH="$TMP/db.sqlite" PORT="$PORT" BIND_ADDRESS=127.0.0.1 "$@" \
        "$BIN" serve >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
}

# test_server_wait_healthy: polls GET /healthz every 0.1 s for up to 30 s; exits 1 when the server
# exits first or never answers 200.
test_server_wait_healthy() {
    local _
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null --max-time 1 "$BASE/healthz" 2>/dev/null; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "$TEST_NAME: server exited during start-up" >&2; exit 1; }
        sleep 0.1
    done
    echo "$TEST_NAME: server not healthy on $BASE after 30s" >&2
    exit 1
}

# test_server_run_driver DIR LIMIT WHAT PASS_TEXT COMMAND...: runs COMMAND in DIR under a hard limit of
# LIMIT seconds (then KILL 10 s later), prints one PASS/FAIL line and exits with COMMAND's status (1
# when the server died meanwhile). COMMAND runs in the background and is waited for, so a signal to
# the script is handled at once (the trap stops it and the server).
test_server_run_driver() {
    local dir=$1 limit=$2 what=$3 pass_text=$4 rc
    shift 4
    (cd "$dir" && exec timeout --kill-after=10 "$limit" "$@") &
    CHILD_PID=$!
    set +e
    wait "$CHILD_PID"
    rc=$?
    set -e
    CHILD_PID=""

    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "$TEST_NAME: FAIL — the server died during the run" >&2
        exit 1
    fi
    if [[ $rc -eq 0 ]]; then
        echo "$TEST_NAME: PASS — $pass_text"
    elif [[ $rc -eq 124 || $rc -eq 137 ]]; then
        echo "$TEST_NAME: FAIL — $what exceeded the ${limit}s hard limit" >&2
    else
        echo "$TEST_NAME: FAIL — $what exited with status $rc" >&2
    fi
    exit "$rc"
}
