#!/usr/bin/env bash
# Installs the Debian packages (and, for tests, the pip tools) PersonaWorlds needs.
# As root it installs what is missing; otherwise it prints the exact command and fails.
# Usage: scripts/deps.sh [build|test]
set -euo pipefail
mode=${1:-build}

build_pkgs=(libsqlite3-dev pkg-config libcurl4-openssl-dev libpng-dev libfreetype-dev zlib1g-dev fonts-dejavu-core curl ca-certificates)
# postgresql: the second store engine's tests start a throwaway cluster of their own (Tests/TestSupport/PostgresCluster).
# prometheus: for promtool (make test-monitoring); its own service is not needed by any test.
test_pkgs=(dpkg-dev lintian wrk python3-pip adduser chromium debootstrap systemd-container postgresql prometheus)
pkgs=("${build_pkgs[@]}")
[[ $mode == test ]] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "deps: installing ${missing[*]}"
    online_before=$(pg_lsclusters -h 2>/dev/null | awk '$4 == "online" { print $1 "/" $2 }' || true)
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    # Debian's postgresql package creates and starts a default cluster; the tests only want the binaries, so a
    # cluster this install started is stopped again (left in place: pg_ctlcluster VERSION main start brings it back).
    if command -v pg_lsclusters >/dev/null 2>&1; then
      while read -r ver name _ status _; do
        if [ "$status" = online ] && ! grep -qx "$ver/$name" <<<"$online_before"; then pg_ctlcluster "$ver" "$name" stop || true; fi
      done < <(pg_lsclusters -h 2>/dev/null || true)
    fi
  else
    echo "deps: missing Debian packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if [[ $mode == test ]] && ! command -v st >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "deps: installing schemathesis (pip)"
    python3 -m pip install -q schemathesis 2>&1 | grep -v -i "running pip as the 'root' user" || true
  else
    echo "deps: schemathesis missing. Install it with:  python3 -m pip install --user schemathesis" >&2
    exit 1
  fi
fi
# scripts/check-monitoring.py reads the alert rules (YAML) with the python3 on PATH, which may not be Debian's.
if [[ $mode == test ]] && ! python3 -c "import yaml" >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "deps: installing pyyaml (pip)"
    python3 -m pip install -q pyyaml 2>&1 | grep -v -i "running pip as the 'root' user" || true
  else
    echo "deps: pyyaml missing. Install it with:  python3 -m pip install --user pyyaml" >&2
    exit 1
  fi
fi
# The browser tests drive Debian's chromium through Playwright for Python (its own browser download is not
# used) and check every page with axe-core, which axe-playwright-python carries.
if [[ $mode == test ]] && ! python3 -c "import playwright, axe_playwright_python" >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "deps: installing playwright and axe-playwright-python (pip)"
    python3 -m pip install -q playwright axe-playwright-python 2>&1 | grep -v -i "running pip as the 'root' user" || true
  else
    echo "deps: playwright or axe-playwright-python missing. Install them with:" >&2
    echo "  python3 -m pip install --user playwright axe-playwright-python" >&2
    exit 1
  fi
fi
echo "deps: ok ($mode)"
