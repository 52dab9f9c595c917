#!/usr/bin/env bash
# Fills in public-targets.txt (phase 1, public read baseline) for vegeta: replaces {BATTLE_ID},
# the base URL and the slug, so one attack at -rate=500 sends the scale plan's mix.
#
#   make-public-targets.sh BATTLE_ID_OR_FILE [BASE_URL] [SLUG] > public-targets.generated.txt
#
# BATTLE_ID_OR_FILE: a published post id (e.g. the battle_id of POST /rooms/{id}/battles), or a
# file holding it, such as the battle_id.txt written by
#   python3 loadtest/run.py public --url http://127.0.0.1:8080 --setup-only /tmp/pub
# BASE_URL defaults to http://127.0.0.1:8080, SLUG to demo-slug (`personaworlds seed --demo`).
#
# The template lists 5 targets, /p/{slug}, /templates, card, /p/{slug}, /templates, and vegeta
# sends them round-robin: at -rate=500 that is /p 200/s, /templates 200/s and the card 100/s.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
battle=$1
if [ -f "$battle" ]; then battle=$(tr -d '[:space:]' <"$battle"); fi
base=${2:-http://127.0.0.1:8080}
base=${base%/}
slug=${3:-demo-slug}
# Ids and slugs are [0-9a-z-]: nothing that needs escaping in the sed expressions below.
case "$battle$slug" in *[!0-9A-Za-z-]*|'') echo "make-public-targets.sh: bad battle id or slug" >&2; exit 2;; esac
template="$(cd "$(dirname "$0")" && pwd)/public-targets.txt"
sed -e "s|http://127.0.0.1:8080|$base|" -e "s|{BATTLE_ID}|$battle|" -e "s|/p/demo-slug|/p/$slug|" "$template"
