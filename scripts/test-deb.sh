#!/usr/bin/env bash
# Installs dist/personaworlds_*.deb, checks what the package set up, runs the installed binary as the
# service user with the installed config (without systemd), signs up a user, stops it with SIGTERM,
# then removes and purges the package and checks what is left.
#
#   sudo scripts/test-deb.sh [path/to/personaworlds_X.Y.Z_amd64.deb]
#
# Needs root. Meant for CI and test machines: an already installed personaworlds package is PURGED
# first (its /var/lib/personaworlds included), so the test starts from a clean state.
# KEEP_INSTALLED=1 leaves the package installed at the end (for debugging).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# PKG, CONF, STATE, DB, WORK, LOG, BODY, the cleanup trap and the helpers (pass, fail, check, ...).
TEST_NAME=test-deb
source "$ROOT/scripts/lib/deb-test.sh"
UNIT=/lib/systemd/system/personaworlds.service

require_root_and dpkg apt-get curl getent stat python3

# ---------------------------------------------------------------- the .deb
find_deb "$@"
echo "test-deb: $DEB (version $VERSION)"

# ---------------------------------------------------------------- install
purge_installed_first
install_deb "$DEB"

installed_version=$(dpkg-query -W -f='${Version}' "$PKG")
check "dpkg reports $PKG $VERSION installed" [ "$installed_version" = "$VERSION" ]
check "/usr/bin/$PKG version matches" [ "$(/usr/bin/$PKG version)" = "$PKG ${VERSION%%-*}" ]
check "systemd unit installed at $UNIT" [ -f "$UNIT" ]
check "man page installed" [ -f /usr/share/man/man1/$PKG.1.gz ]
MONITORING=/usr/share/$PKG/monitoring
check "$MONITORING/$PKG-alerts.yml installed (0644)" [ "$(stat -c %a "$MONITORING/$PKG-alerts.yml" 2>/dev/null)" = 644 ]
check "$MONITORING/$PKG-alerts.yml is the source tree's rules" cmp -s "$MONITORING/$PKG-alerts.yml" packaging/monitoring/$PKG-alerts.yml
check "$MONITORING/$PKG-dashboard.json installed (0644)" [ "$(stat -c %a "$MONITORING/$PKG-dashboard.json" 2>/dev/null)" = 644 ]
check "$MONITORING/$PKG-dashboard.json is the source tree's dashboard" \
    cmp -s "$MONITORING/$PKG-dashboard.json" packaging/monitoring/$PKG-dashboard.json
if command -v promtool >/dev/null 2>&1; then
    check "promtool check rules $MONITORING/$PKG-alerts.yml (the installed copy loads)" \
        sh -c "promtool check rules $MONITORING/$PKG-alerts.yml >/dev/null"
fi
COPYRIGHT=/usr/share/doc/$PKG/copyright
# The project's own paragraph ("Files: *") says MIT, and the stand-alone MIT paragraph has the text.
copyright_names_mit() {
    awk 'BEGIN { RS = "" } /^Files: \*\n/ && /\nLicense: MIT(\n|$)/ { ok = 1 } END { exit !ok }' "$COPYRIGHT"
}
check "$COPYRIGHT is machine-readable (copyright-format 1.0)" \
    grep -qx 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' "$COPYRIGHT"
check "$COPYRIGHT names MIT as the project's license" copyright_names_mit
check "$COPYRIGHT carries the MIT license text" \
    grep -qx ' Permission is hereby granted, free of charge, to any person obtaining a copy' "$COPYRIGHT"
check "$CONF is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' $PKG | grep -q ' $CONF '"

# The service user and group.
if entry=$(getent passwd "$PKG"); then
    IFS=: read -r _ _ uid gid _ home shell <<<"$entry"
    pass "system user $PKG exists (uid $uid)"
    check "user $PKG is a system user (uid < 1000)" [ "$uid" -lt 1000 ]
    check "user $PKG has home $STATE" [ "$home" = "$STATE" ]
    check "user $PKG has no login shell ($shell)" sh -c "case '$shell' in */nologin|*/false) true;; *) false;; esac"
    check "primary group of $PKG is $PKG" [ "$(getent group "$gid" | cut -d: -f1)" = "$PKG" ]
else
    fatal "system user $PKG was not created"
fi
check "group $PKG exists" sh -c "getent group $PKG >/dev/null"
check "$STATE owned by $PKG:$PKG" [ "$(stat -c %U:%G "$STATE")" = "$PKG:$PKG" ]
check "$CONF readable by the service group only (root:$PKG 640)" [ "$(stat -c %U:%G:%a "$CONF")" = "root:$PKG:640" ]
# The shipped configuration is production, with the login secret its postinst generated (JWT_SECRET_FILE).
check "the packaged config is production (APP_ENV=prod)" grep -qx 'APP_ENV=prod' "$CONF"
check "the packaged config reads the secret from $STATE/jwt_secret" grep -qx "JWT_SECRET_FILE=$STATE/jwt_secret" "$CONF"
generated_secret() { # 48 random bytes in base64, owned by the service user, mode 600
    [ "$(stat -c %U:%a "$STATE/jwt_secret" 2>/dev/null)" = "$PKG:600" ] && [ "$(tr -d '\n' <"$STATE/jwt_secret" | wc -c)" = 64 ]
}
check "postinst generated $STATE/jwt_secret before the first start ($PKG-owned, mode 600)" generated_secret
if command -v systemd-analyze >/dev/null 2>&1; then
    # Offline check of the unit's syntax (systemd itself is not running in CI).
    if out=$(systemd-analyze verify "$UNIT" 2>&1) && ! grep -q -i 'unknown\|invalid\|failed' <<<"$out"; then
        pass "systemd-analyze verify $UNIT"
    else
        fail "systemd-analyze verify $UNIT: $out"
    fi
fi

# ---------------------------------------------------------------- run as the service user
PORT=$(free_port) || fatal "no free loopback port"
BASE="http://127.0.0.1:$PORT"

# Started like the unit starts it (see start_server_process), on a free loopback port.
echo "test-deb: starting /usr/bin/$PKG serve as $PKG on $BASE"
start_server_process
wait_healthy "installed binary" || exit 1

# The process really runs as the service user.
if [ -r "/proc/$SERVER_PID/status" ]; then
    ruid=$(awk '/^Uid:/ { print $2 }' "/proc/$SERVER_PID/status")
    check "server runs as uid $uid ($PKG)" [ "$ruid" = "$uid" ]
fi

status=$(api POST /auth/signup "" '{"email":"deb-test@example.com","password":"password123"}')
if [ "$status" = 201 ]; then
    pass "POST /auth/signup -> 201"
else
    fail "POST /auth/signup -> $status (want 201): $(head -c 300 "$BODY")"
fi

# A battle and its share card: the installed binary finds its font and renders a PNG as the service user.
token=$(json "$BODY" token)
api GET /rooms "$token" >/dev/null
room=$(json "$BODY" rooms 0 id)
api POST "/rooms/$room/battles" "$token" '{"topic":"Does the packaged card render?"}' >/dev/null
battle=$(json "$BODY" battle_id)
status=$(curl -s -o "$BODY" -w '%{http_code} %{content_type}' --max-time 10 "$BASE/b/$battle/card.png" || true)
if [ "$status" = "200 image/png" ] && [ "$(head -c 4 "$BODY" | od -An -tx1 | tr -d ' ')" = 89504e47 ]; then
    pass "GET /b/<battle>/card.png -> 200 image/png"
else
    fail "GET /b/<battle>/card.png -> $status (want 200 image/png)"
fi
status=$(curl -s -o "$BODY" -w '%{http_code} %{content_type}' --max-time 10 -H 'Accept: text/html' "$BASE/b/$battle" || true)
if [ "$status" = "200 text/html; charset=utf-8" ] && grep -q 'og:image' "$BODY"; then
    pass "GET /b/<battle> in a browser -> the battle page with its Open Graph tags"
else
    fail "GET /b/<battle> (Accept: text/html) -> $status (want 200 text/html with og:image)"
fi
# Production behaviour of the packaged config: a Host other than FRONTEND_ORIGIN's or loopback is refused
# (DNS rebinding), and the development front end's origin gets no CORS credentials.
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Host: rebind.example' "$BASE/healthz" || true)
check "a foreign Host gets 421 under the packaged config (got $status)" [ "$status" = 421 ]
credentials=$(curl -s -D - -o /dev/null --max-time 10 -H 'Origin: http://localhost:3000' "$BASE/healthz" \
    | grep -ci '^access-control-allow-credentials' || true)
check "no CORS credentials for http://localhost:3000 under the packaged config" [ "$credentials" = 0 ]
if grep -q '^FRONTEND_ORIGIN=http://localhost:8080' /etc/personaworlds/personaworlds.env; then
    pass "the packaged config points share links at the appliance (FRONTEND_ORIGIN)"
else
    fail "the packaged config lacks FRONTEND_ORIGIN=http://localhost:8080"
fi

check "database created in $STATE" [ -f "$STATE/personaworlds.sqlite" ]
if [ -f "$STATE/jwt_secret" ]; then
    check "generated $STATE/jwt_secret is $PKG-owned, mode 600" [ "$(stat -c %U:%a "$STATE/jwt_secret")" = "$PKG:600" ]
else
    fail "no generated $STATE/jwt_secret (the installed config's JWT_SECRET_FILE)"
fi

# ---------------------------------------------------------------- SIGTERM
stop_server_process

# ---------------------------------------------------------------- remove, then purge
if [ "${KEEP_INSTALLED:-0}" = 1 ]; then
    echo "test-deb: KEEP_INSTALLED=1, leaving $PKG installed"
else
    if dpkg -r "$PKG" >/dev/null 2>&1; then pass "dpkg -r $PKG"; else fail "dpkg -r $PKG"; fi
    check "binary removed" [ ! -e /usr/bin/$PKG ]
    check "monitoring files removed" [ ! -e /usr/share/$PKG ]
    check "remove keeps the conffile $CONF" [ -f "$CONF" ]
    check "remove keeps the data in $STATE" [ -f "$STATE/personaworlds.sqlite" ]
    if dpkg --purge "$PKG" >/dev/null 2>&1; then pass "dpkg --purge $PKG"; else fail "dpkg --purge $PKG"; fi
    check "purge removes $STATE" [ ! -e "$STATE" ]
    check "purge removes /etc/personaworlds" [ ! -e /etc/personaworlds ]
fi

if [ "$FAILED" -ne 0 ]; then
    exit 1
fi
echo "test-deb: PASS"
