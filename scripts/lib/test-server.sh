# shellcheck shell=bash
# Sourced by the scripts that test a built binary on loopback (schemathesis.sh, browser-tests.sh):
#   source scripts/lib/test-server.sh NAME "$@"
# NAME prefixes every message; "$@" must be exactly PATH_TO_BINARY (else usage, exit 64).
# Sets BIN (the binary's absolute path), TMP (a scratch directory), PORT (a free loopback port),
# BASE, ENGINE and DB_ENV, and installs an EXIT trap that stops CHILD_PID (the test driver), SERVER_PID
# (the server: TERM, then KILL after 5 s) and the PostgreSQL cluster if one was started, prints the
# tail of $TMP/server.log (and of PostgreSQL's log) when the script fails, and removes $TMP when it
# passes.
#
# The engine is PERSONAWORLDS_TEST_ENGINE (as for the Swift tests): `sqlite` (the default) is a
# throw-away file $TMP/db.sqlite; `postgres` is a database on a throwaway cluster started here
# (scripts/lib/pg-cluster.sh). DB_ENV holds the VAR=VALUE words that point the binary at it
# (DATABASE_PATH=… or DATABASE_URL=…), for the script's own commands (`env "${DB_ENV[@]}" BIN admin …`).
# Then the script calls:
#   test_server_start VAR=VALUE...   `BIN serve` on PORT with that database
#   test_server_wait_healthy         until GET /readyz answers 200
#   test_server_run_driver DIR LIMIT WHAT PASS_TEXT COMMAND...   the test itself; exits with its status
TEST_NAME=$1
shift
if [[ $# -ne 1 ]]; then
    echo "usage: $0 PATH_TO_BINARY" >&2
    exit 64
fi
BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[[ -x "$BIN" ]] || { echo "$TEST_NAME: binary not executable: $BIN" >&2; exit 64; }

ENGINE=${PERSONAWORLDS_TEST_ENGINE:-sqlite}
case $ENGINE in
    sqlite | postgres) ;;
    *) echo "$TEST_NAME: PERSONAWORLDS_TEST_ENGINE must be sqlite or postgres, not '$ENGINE'" >&2; exit 64 ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pw-$TEST_NAME.XXXXXX")
SERVER_PID=""
CHILD_PID=""
# shellcheck source=scripts/lib/pg-cluster.sh
source "$(dirname "${BASH_SOURCE[0]}")/pg-cluster.sh"

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
    if [[ $rc -ne 0 && -n "$PG_CLUSTER_LOG" && -s "$PG_CLUSTER_LOG" ]]; then
        echo "--- last PostgreSQL log lines ---" >&2
        tail -n 20 "$PG_CLUSTER_LOG" >&2 || true
    fi
    pg_cluster_stop
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

if [[ $ENGINE == postgres ]]; then
    pg_cluster_start || { echo "$TEST_NAME: $PG_CLUSTER_ERROR" >&2; exit 1; }
    pg_cluster_createdb personaworlds || { echo "$TEST_NAME: $PG_CLUSTER_ERROR" >&2; exit 1; }
    DB_ENV=("DATABASE_URL=$(pg_cluster_url personaworlds)")
    echo "$TEST_NAME: engine postgres ($("$PG_BIN/postgres" --version | awk '{ print $3 }'), cluster in $PG_CLUSTER_DIR)"
else
    DB_ENV=("DATABASE_PATH=$TMP/db.sqlite")
fi

# test_server_start VAR=VALUE...: starts `BIN serve` on 127.0.0.1:PORT with the database of DB_ENV and
# the given variables on top of this environment; output in $TMP/server.log; sets SERVER_PID.
test_server_start() {
    env "${DB_ENV[@]}" PORT="$PORT" BIND_ADDRESS=127.0.0.1 "$@" \
        "$BIN" serve >"$TMP/server.log" 2>&1 &
    SERVER_PID=$!
}

# test_server_wait_healthy: polls GET /readyz every 0.1 s for up to 30 s; exits 1 when the server
# exits first or never answers 200. Readiness, not /healthz: on PostgreSQL the server answers while
# its start-up service still migrates and seeds the empty database.
test_server_wait_healthy() {
    local _
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null --max-time 1 "$BASE/readyz" 2>/dev/null; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "$TEST_NAME: server exited during start-up" >&2; exit 1; }
        sleep 0.1
    done
    echo "$TEST_NAME: server not ready on $BASE after 30s" >&2
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
