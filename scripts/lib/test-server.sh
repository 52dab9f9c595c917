# Sourced by the scripts that test a built binary on loopback (schemathesis.sh, browser-tests.sh):
#   source scripts/lib/test-server.sh NAME
# Sets TMP (a scratch directory), PORT (a free loopback port) and BASE, and installs an EXIT trap
# that stops CHILD_PID (the test driver) and SERVER_PID (the server: TERM, then KILL after 5 s),
# prints the tail of $TMP/server.log when the script fails, and removes $TMP when it passes.
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pw-$1.XXXXXX")
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
