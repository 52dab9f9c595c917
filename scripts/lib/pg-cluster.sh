# shellcheck shell=bash disable=SC2034,SC2120  # PG_CLUSTER_* are for the sourcing script; TOOL arguments are optional
# Sourced by scripts that need a throwaway PostgreSQL cluster (test-server.sh when PERSONAWORLDS_TEST_ENGINE=postgres,
# pg-queue-peer.sh). The same kind of cluster as Tests/TestSupport/PostgresCluster.swift starts for the Swift tests:
# Debian's PostgreSQL, initdb in a mktemp -d directory, a unix socket in that directory plus 127.0.0.1 on a free port,
# fsync on, stopped and deleted when the script ends.
#
#   source scripts/lib/pg-cluster.sh
#   pg_cluster_find_bin [TOOL...]   sets PG_BIN to the newest $PG_CLUSTER_PGROOT/*/bin (default /usr/lib/postgresql)
#                                   that has initdb, pg_ctl, postgres, psql and every TOOL (e.g. pgbench)
#   pg_cluster_start [LINE...]      initdb and start; each LINE is appended to postgresql.conf (a later setting wins,
#                                   so LINEs override the defaults). Sets PG_CLUSTER_DIR (the directory: data/, the
#                                   socket, postgres.log), PG_CLUSTER_LOG, PG_CLUSTER_PORT, PG_CLUSTER_USER (the
#                                   superuser) and PG_CLUSTER_PID (the postmaster)
#   pg_cluster_createdb NAME        a new database NAME
#   pg_cluster_url NAME             prints a DATABASE_URL for database NAME over the socket
#   pg_cluster_psql ARG...          psql as the superuser over the socket (database postgres unless ARGs say -d)
#   pg_cluster_stop                 stops the cluster and deletes PG_CLUSTER_DIR; idempotent. Call it from the
#                                   script's EXIT trap, after whatever uses the database has stopped
#
# The functions never exit: on failure they return 1 with the reason in PG_CLUSTER_ERROR (initdb's output goes to
# PG_CLUSTER_LOG), so the caller decides what a failure means (the peer skips, a test fails).
#
# As root, initdb and the server run as the `postgres` OS user (initdb refuses root) and the directory is chowned to
# it; root still reaches the socket. Local connections are trusted (the socket's directory is private to its owner);
# TCP wants a password nobody has (scram-sha-256), so no other local user gets in through the port.
#
# If the script dies without running its trap (kill -9), a watchdog stops the cluster and deletes the directory once
# the script's process is gone (it runs in a session of its own, so a signal to the script's group does not reach it).

PG_CLUSTER_PGROOT=${PG_CLUSTER_PGROOT:-/usr/lib/postgresql}
PG_BIN=
PG_CLUSTER_DIR=
PG_CLUSTER_LOG=
PG_CLUSTER_PORT=
PG_CLUSTER_USER=
PG_CLUSTER_PID=
PG_CLUSTER_ERROR=

pg_cluster_find_bin() {
    local d tool ok
    for d in $(printf '%s\n' "$PG_CLUSTER_PGROOT"/*/bin | sort -V -r); do
        ok=1
        for tool in initdb pg_ctl postgres psql "$@"; do [[ -x "$d/$tool" ]] || ok=0; done
        if ((ok)); then
            PG_BIN=$d
            return 0
        fi
    done
    PG_CLUSTER_ERROR="PostgreSQL not found under $PG_CLUSTER_PGROOT/*/bin (Debian: apt-get install postgresql; scripts/deps.sh test installs it)"
    return 1
}

# Runs a PostgreSQL server tool as the cluster's owner (from /, which the postgres user can always enter).
_pg_cluster_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

pg_cluster_start() {
    [[ -n "$PG_BIN" ]] || pg_cluster_find_bin || return 1
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || { PG_CLUSTER_ERROR="no 'postgres' OS user to run initdb as (initdb refuses root)"; return 1; }
        PG_CLUSTER_USER=postgres
    else
        PG_CLUSTER_USER=$(id -un)
    fi
    PG_CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pw-pg.XXXXXX") || { PG_CLUSTER_ERROR="mktemp failed"; return 1; }
    PG_CLUSTER_LOG="$PG_CLUSTER_DIR/postgres.log"
    local data="$PG_CLUSTER_DIR/data" line
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$PG_CLUSTER_DIR"; fi
    _pg_cluster_watchdog
    PG_CLUSTER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null) ||
        PG_CLUSTER_PORT=$((20000 + RANDOM % 20000))

    # --no-sync: initdb's own files need no flush for a cluster that lives as long as this script (fsync stays on).
    _pg_cluster_as_owner "$PG_BIN/initdb" -D "$data" -U "$PG_CLUSTER_USER" -E UTF8 --no-locale \
        --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$PG_CLUSTER_DIR/initdb.log" 2>&1 || {
        _pg_cluster_as_owner cp "$PG_CLUSTER_DIR/initdb.log" "$PG_CLUSTER_LOG" 2>/dev/null || true
        PG_CLUSTER_ERROR="initdb failed"
        return 1
    }
    {
        echo "# throwaway cluster (scripts/lib/pg-cluster.sh)"
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $PG_CLUSTER_PORT"
        echo "unix_socket_directories = '$PG_CLUSTER_DIR'"
        echo "fsync = on"
        for line in "$@"; do echo "$line"; done
    } >>"$data/postgresql.conf"
    _pg_cluster_as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$PG_CLUSTER_LOG" -w -t 60 start >/dev/null 2>&1 ||
        { PG_CLUSTER_ERROR="the PostgreSQL server did not start (log: $PG_CLUSTER_LOG)"; return 1; }
    PG_CLUSTER_PID=$(head -1 "$data/postmaster.pid" 2>/dev/null) || PG_CLUSTER_PID=
}

pg_cluster_psql() {
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_CLUSTER_DIR" -p "$PG_CLUSTER_PORT" -U "$PG_CLUSTER_USER" -d postgres "$@"
}

pg_cluster_createdb() {
    pg_cluster_psql -c "CREATE DATABASE \"$1\"" >/dev/null 2>&1 || { PG_CLUSTER_ERROR="CREATE DATABASE $1 failed"; return 1; }
}

pg_cluster_url() {
    echo "postgresql://$PG_CLUSTER_USER@:$PG_CLUSTER_PORT/$1?host=$PG_CLUSTER_DIR&sslmode=disable"
}

pg_cluster_stop() {
    [[ -n "$PG_CLUSTER_DIR" ]] || return 0
    local data="$PG_CLUSTER_DIR/data" _
    if [[ -f "$data/postmaster.pid" ]]; then
        _pg_cluster_as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 20 stop >/dev/null 2>&1 ||
            _pg_cluster_as_owner "$PG_BIN/pg_ctl" -D "$data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
        # Still there (pg_ctl failed)? Kill the postmaster this script started, by its pid.
        if [[ -f "$data/postmaster.pid" && -n "$PG_CLUSTER_PID" ]]; then kill -9 "$PG_CLUSTER_PID" 2>/dev/null || true; fi
    fi
    # pg_ctl returns once postmaster.pid is gone; give the postmaster a moment to leave the process table.
    if [[ -n "$PG_CLUSTER_PID" ]]; then
        for _ in $(seq 50); do
            kill -0 "$PG_CLUSTER_PID" 2>/dev/null || break
            sleep 0.1
        done
    fi
    rm -rf "$PG_CLUSTER_DIR"
    PG_CLUSTER_DIR=
    PG_CLUSTER_PID=
}

# The watchdog for a script that dies without its trap: polls the script's pid, then stops the cluster (immediate:
# nobody is left to care about a clean shutdown) and deletes the directory. After a normal exit it finds both gone.
_pg_cluster_watchdog() {
    local stop="$PG_BIN/pg_ctl"
    [[ $(id -u) -eq 0 ]] && stop="runuser -u postgres -- $PG_BIN/pg_ctl"
    setsid sh -c "cd /; while kill -0 $$ 2>/dev/null; do sleep 1; done
        if [ -f '$PG_CLUSTER_DIR/data/postmaster.pid' ]; then $stop -D '$PG_CLUSTER_DIR/data' -m immediate -w -t 30 stop; fi
        rm -rf '$PG_CLUSTER_DIR'" </dev/null >/dev/null 2>&1 &
}
