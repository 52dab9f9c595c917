#!/usr/bin/env bash
# Upgrade test for the .deb: installs a previous personaworlds package, starts the service, signs up a
# user and creates a persona through the HTTP API, edits the conffile, installs the current package
# over it (apt, --force-confold, non-interactive) and checks that the data, the edited conffile and the
# service user survived and that the service is restarted on upgrade; then `apt-get remove` (data
# kept) and `apt-get purge` (data and config gone).
#
#   sudo scripts/test-deb-upgrade.sh [path/to/new.deb [path/to/previous.deb]]
#
# The new package defaults to the only dist/personaworlds_*_amd64.deb (scripts/build-deb.sh).
#
# The previous package defaults to the SAME binary, repackaged by scripts/build-deb.sh as version
# "<new version>~prev1" (which dpkg orders before <new version>) with this checkout's maintainer
# scripts, conffile and unit. Building an older commit from source would double the CI time (a release
# build is ~10 min), and what this test checks are dpkg's upgrade mechanics — conffile handling, the
# maintainer scripts (the service user, the data directory, the restart) and remove/purge — which do
# not depend on the binary's age. Schema migrations across versions are covered by the Swift migration
# tests (Tests/StoreTests). Pass an older release's .deb as the second argument to test that upgrade.
#
# With systemd running (/run/systemd/system) the service is the real unit (a runtime drop-in moves it
# to a free loopback port) and the restart is seen in its MainPID. Without systemd (CI containers) the
# installed binary is started as the service user the way scripts/test-deb.sh does, and the restart on
# upgrade is checked by running the package's own postinst/prerm with systemd present but its tools
# (systemctl, deb-systemd-invoke, deb-systemd-helper) and the commands that change the system replaced
# by stubs that log their arguments.
#
# Needs root. Meant for CI and test machines: an installed personaworlds package is PURGED first and
# at the end (its /var/lib/personaworlds included). KEEP_INSTALLED=1 skips the final purge on failure.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# PKG, CONF, STATE, DB, WORK, LOG, BODY, the cleanup trap and the helpers (pass, fail, check, ...).
TEST_NAME=test-deb-upgrade
PURGE_AFTER_PASS=1
source "$ROOT/scripts/lib/deb-test.sh"
UNIT=personaworlds.service
DROPIN_DIR=/run/systemd/system/$UNIT.d
DROPIN=$DROPIN_DIR/zz-upgrade-test.conf
MARKER="# edited-by-upgrade-test"

have_systemd() { [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; }
deb_test_failure_logs() { have_systemd && journalctl -u "$UNIT" -n 40 --no-pager 2>/dev/null; }
deb_test_after_purge() {
    if [ -e "$DROPIN" ]; then
        rm -rf "$DROPIN_DIR"
        systemctl daemon-reload >/dev/null 2>&1 || true
    fi
}

require_root_and dpkg dpkg-deb apt-get curl getent stat sha256sum python3

# ---------------------------------------------------------------- the packages
find_deb "$@"

if [ $# -ge 2 ]; then
    PREV_DEB=$(readlink -f "$2")
    [ -f "$PREV_DEB" ] || fatal "no such file: $2"
else
    # The same binary, repackaged at a lower version (see the header for why).
    echo "test-deb-upgrade: building the previous package ($VERSION~prev1) from the binary in $(basename "$DEB")"
    dpkg-deb -x "$DEB" "$WORK/new-tree"
    if DEB_VERSION="$VERSION~prev1" DIST_DIR="$WORK/prev" PERSONAWORLDS_BIN="$WORK/new-tree/usr/bin/$PKG" \
        DEB_COMPRESSION=none LINTIAN=0 scripts/build-deb.sh >"$WORK/build-prev.log" 2>&1; then
        PREV_DEB=$(echo "$WORK"/prev/"$PKG"_*_amd64.deb)
    else
        cat "$WORK/build-prev.log"
        fatal "building the previous package with scripts/build-deb.sh"
    fi
fi
PREV_VERSION=$(dpkg-deb -f "$PREV_DEB" Version)
echo "test-deb-upgrade: $(basename "$PREV_DEB") -> $(basename "$DEB")"
check "previous version $PREV_VERSION sorts before $VERSION" dpkg --compare-versions "$PREV_VERSION" lt "$VERSION"

dpkg-deb -e "$DEB" "$WORK/ctrl-new"
dpkg-deb -e "$PREV_DEB" "$WORK/ctrl-prev"
if [ $# -lt 2 ]; then
    same=1
    for f in postinst prerm postrm conffiles; do
        cmp -s "$WORK/ctrl-new/$f" "$WORK/ctrl-prev/$f" || { same=0; fail "previous package's $f differs from the new one's"; }
    done
    [ "$same" -eq 0 ] || pass "previous package has the same maintainer scripts and conffiles list"
fi

# ---------------------------------------------------------------- the service
PORT=$(free_port) || fatal "no free loopback port"
BASE="http://127.0.0.1:$PORT"

if have_systemd; then
    MODE=systemd
    # A runtime drop-in (gone at reboot, removed at the end) puts the unit on the test's loopback port:
    # the config's PORT would win over Environment=, so the variables go on the command line.
    mkdir -p "$DROPIN_DIR"
    printf '[Service]\nExecStart=\nExecStart=/usr/bin/env PORT=%s BIND_ADDRESS=127.0.0.1 /usr/bin/%s serve\n' \
        "$PORT" "$PKG" >"$DROPIN"
    systemctl daemon-reload
else
    MODE=process
fi
echo "test-deb-upgrade: service mode: $MODE, on $BASE"

main_pid() { systemctl show -p MainPID --value "$UNIT" 2>/dev/null || echo 0; }

start_service() { # start_service "what"
    if [ "$MODE" = systemd ]; then
        # postinst has started it already unless a policy-rc.d forbids it.
        systemctl is-active --quiet "$UNIT" || systemctl start "$UNIT" || true
    else
        start_server_process
    fi
    wait_healthy "$1"
}

stop_service() {
    if [ "$MODE" = systemd ]; then
        if systemctl stop "$UNIT"; then pass "systemctl stop $UNIT"; else fail "systemctl stop $UNIT"; fi
    else
        stop_server_process
    fi
}

# ---------------------------------------------------------------- install the previous package
purge_installed_first
install_deb "$PREV_DEB"
check "dpkg reports $PKG $PREV_VERSION installed" [ "$(dpkg-query -W -f='${Version}' "$PKG")" = "$PREV_VERSION" ]
user_before=$(getent passwd "$PKG") || fatal "system user $PKG was not created"
group_before=$(getent group "$PKG") || fatal "group $PKG was not created"

start_service "previous package" || exit 1

# ---------------------------------------------------------------- data through the API
EMAIL="upgrade-test-$$-$RANDOM@example.com"
PASSWORD=password123
PERSONA_NAME="Upgrade Test Persona"
status=$(api POST /auth/signup "" "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
[ "$status" = 201 ] || fatal "POST /auth/signup -> $status (want 201): $(head -c 300 "$BODY")"
pass "POST /auth/signup -> 201"
TOKEN=$(json "$BODY" token)
USER_ID=$(json "$BODY" user_id)
status=$(api POST /personas "$TOKEN" "{\"name\":\"$PERSONA_NAME\",\"bio\":\"written before the upgrade\",\"writing_samples\":[\"Ship small.\",\"Measure twice.\",\"Share results.\"],\"preferred_language\":\"en\"}")
[ "$status" = 201 ] || fatal "POST /personas -> $status (want 201): $(head -c 300 "$BODY")"
PERSONA_ID=$(json "$BODY" id)
[ -n "$PERSONA_ID" ] || fatal "POST /personas returned no id: $(head -c 300 "$BODY")"
pass "POST /personas -> 201 (persona $PERSONA_ID)"
check "database $DB exists" [ -s "$DB" ]

# ---------------------------------------------------------------- the admin edits the conffile
if grep -q '^#\?LOG_LEVEL=' "$CONF"; then
    sed -i 's/^#\?LOG_LEVEL=.*/LOG_LEVEL=warning/' "$CONF"
else
    echo 'LOG_LEVEL=warning' >>"$CONF"
fi
echo "$MARKER" >>"$CONF"
conf_sum=$(sha256sum <"$CONF")
conf_perm=$(stat -c %U:%G:%a "$CONF")
check "conffile edited (LOG_LEVEL=warning, marker line)" grep -qx 'LOG_LEVEL=warning' "$CONF"

# The service runs with the edited config when the upgrade comes (systemd: the admin restarts it; without
# systemd nothing would restart our process, so it is stopped and started again after the upgrade).
if [ "$MODE" = systemd ]; then
    systemctl restart "$UNIT"
    wait_healthy "previous package, edited config" || exit 1
    pid_before=$(main_pid)
else
    stop_service
fi
jwt_sum=$(sha256sum <"$STATE/jwt_secret" 2>/dev/null || echo none)

# ---------------------------------------------------------------- upgrade
# What a real admin's `apt upgrade` does non-interactively: keep the locally modified conffile.
install_deb "$DEB" --force-confold
check "dpkg reports $PKG $VERSION installed" [ "$(dpkg-query -W -f='${Version}' "$PKG")" = "$VERSION" ]
check "dpkg state is installed (configured)" [ "$(pkg_state)" = installed ]
check "edited conffile kept byte-for-byte" [ "$(sha256sum <"$CONF")" = "$conf_sum" ]
check "edited conffile keeps its owner and mode ($conf_perm)" [ "$(stat -c %U:%G:%a "$CONF")" = "$conf_perm" ]
check "no $CONF.dpkg-new left behind" [ ! -e "$CONF.dpkg-new" ]
check "service user unchanged ($user_before)" [ "$(getent passwd "$PKG" || true)" = "$user_before" ]
check "service group unchanged ($group_before)" [ "$(getent group "$PKG" || true)" = "$group_before" ]
check "$STATE still owned by $PKG:$PKG" [ "$(stat -c %U:%G "$STATE")" = "$PKG:$PKG" ]
check "database $DB survives the upgrade" [ -s "$DB" ]
check "generated jwt_secret survives the upgrade unchanged" [ "$(sha256sum <"$STATE/jwt_secret" 2>/dev/null || echo gone)" = "$jwt_sum" ]

# The restart on upgrade.
if [ "$MODE" = systemd ]; then
    wait_healthy "new package" || true
    pid_after=$(main_pid)
    check "service restarted on upgrade (MainPID $pid_before -> $pid_after)" \
        test "$pid_after" != 0 -a "$pid_after" != "$pid_before"
    check "$UNIT active after the upgrade" systemctl is-active --quiet "$UNIT"
fi
# With or without systemd: the package's own scripts, with systemd "running" and its tools stubbed.
STUBS=$WORK/stubs
FAKE_RUN=$WORK/run-systemd-system
CALLS=$WORK/calls
mkdir -p "$STUBS" "$FAKE_RUN"
for cmd in systemctl deb-systemd-invoke deb-systemd-helper adduser addgroup chown chmod mkdir; do
    printf '#!/bin/sh\necho "%s $*" >>"%s"\nexit 0\n' "$cmd" "$CALLS" >"$STUBS/$cmd"
done
printf '#!/bin/sh\nexit 0\n' >"$STUBS/getent"            # the user and group exist
printf '#!/bin/sh\nexit 1\n' >"$STUBS/dpkg-statoverride" # no overrides
chmod 0755 "$STUBS"/*
run_script() { # run_script SCRIPT ARGS...: the package's script, systemd "running"; logs calls to $CALLS
    local script=$1; shift
    sed "s|/run/systemd/system|$FAKE_RUN|g" "$WORK/ctrl-new/$script" >"$WORK/$script.sandboxed"
    : >"$CALLS"
    env -u DPKG_ROOT PATH="$STUBS:$PATH" sh "$WORK/$script.sandboxed" "$@" >/dev/null 2>&1
}
called() { grep -qx "$1" "$CALLS"; }
if grep -q '/run/systemd/system' "$WORK/ctrl-new/postinst"; then
    run_script postinst configure "$PREV_VERSION" \
        && called "deb-systemd-invoke restart $UNIT" && ! called "deb-systemd-invoke start $UNIT" \
        && pass "postinst configure $PREV_VERSION (upgrade) restarts $UNIT (deb-systemd-invoke restart)" \
        || fail "postinst configure $PREV_VERSION does not restart $UNIT: $(tr '\n' ';' <"$CALLS")"
    run_script postinst configure "$PREV_VERSION" && called "systemctl --system daemon-reload" \
        && pass "postinst reloads systemd before the restart" || fail "postinst does not run systemctl daemon-reload"
    run_script postinst configure "" && called "deb-systemd-invoke start $UNIT" \
        && pass "postinst configure (fresh install) starts $UNIT" \
        || fail "postinst configure (fresh install) does not start $UNIT: $(tr '\n' ';' <"$CALLS")"
else
    fail "postinst does not look for a running systemd (/run/systemd/system): no start/restart"
fi
run_script prerm upgrade "$VERSION" && ! called "deb-systemd-invoke stop $UNIT" \
    && pass "prerm upgrade does not stop $UNIT (restarted by postinst: restart-after-upgrade, as dh_installsystemd)" \
    || fail "prerm upgrade stops $UNIT: $(tr '\n' ';' <"$CALLS")"
run_script prerm remove && called "deb-systemd-invoke stop $UNIT" \
    && pass "prerm remove stops $UNIT" || fail "prerm remove does not stop $UNIT: $(tr '\n' ';' <"$CALLS")"

# ---------------------------------------------------------------- the data, through the new binary
[ "$MODE" = systemd ] || { start_service "new package" || exit 1; }
status=$(api POST /auth/login "" "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}")
if [ "$status" = 200 ] && [ "$(json "$BODY" user_id)" = "$USER_ID" ]; then
    pass "POST /auth/login as the user created before the upgrade -> 200 (same user_id)"
    TOKEN2=$(json "$BODY" token)
else
    fail "POST /auth/login after the upgrade -> $status (want 200, user $USER_ID): $(head -c 300 "$BODY")"
    TOKEN2=
fi
status=$(api GET /personas "$TOKEN2")
if [ "$status" = 200 ] && [ "$(json "$BODY" personas 0 id)" = "$PERSONA_ID" ] \
    && [ "$(json "$BODY" personas 0 name)" = "$PERSONA_NAME" ]; then
    pass "GET /personas after the upgrade lists the persona created before it"
else
    fail "GET /personas after the upgrade -> $status, want persona $PERSONA_ID: $(head -c 300 "$BODY")"
fi
status=$(api GET /personas "$TOKEN")
check "a token issued before the upgrade is still accepted (GET /personas -> $status)" [ "$status" = 200 ]
[ "$MODE" = systemd ] || stop_service

# ---------------------------------------------------------------- apt-get remove
if apt_get remove "$PKG" >"$WORK/apt.log" 2>&1; then pass "apt-get remove $PKG"; else cat "$WORK/apt.log"; fail "apt-get remove $PKG"; fi
check "dpkg state after remove is config-files" [ "$(pkg_state)" = config-files ]
check "remove deletes /usr/bin/$PKG" [ ! -e /usr/bin/$PKG ]
if [ "$MODE" = systemd ]; then
    check "remove stops $UNIT" sh -c "! systemctl is-active --quiet $UNIT"
fi
check "remove keeps the data directory $STATE" [ -d "$STATE" ]
check "remove keeps the database $DB" [ -s "$DB" ]
check "remove keeps the edited conffile byte-for-byte" [ "$(sha256sum <"$CONF" 2>/dev/null || echo gone)" = "$conf_sum" ]
check "remove keeps the service user" sh -c "getent passwd $PKG >/dev/null"

# ---------------------------------------------------------------- apt-get purge
if apt_get purge "$PKG" >"$WORK/apt.log" 2>&1; then pass "apt-get purge $PKG"; else cat "$WORK/apt.log"; fail "apt-get purge $PKG"; fi
check "dpkg no longer knows $PKG after purge" [ "$(pkg_state)" = not-installed ]
check "purge removes the data directory $STATE" [ ! -e "$STATE" ]
check "purge removes the config directory /etc/personaworlds" [ ! -e /etc/personaworlds ]
# Kept on purge by design (postrm): files owned by its uid may remain outside the package's
# directories (backups, copies of the database), and a later system user reusing the uid would own them.
check "purge keeps the system user $PKG (deliberately, see postrm)" sh -c "getent passwd $PKG >/dev/null"

if [ "$FAILED" -ne 0 ]; then
    exit 1
fi
echo "test-deb-upgrade: PASS"
