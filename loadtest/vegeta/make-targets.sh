#!/usr/bin/env bash
# Writes a vegeta targets file (HTTP format) with one generate-replies target per post id, so each
# request of the attack enqueues real work (a repeat on the same post only yields "skipped").
#
#   make-targets.sh POST_IDS_FILE TOKEN_OR_TOKEN_FILE [BASE_URL] > queue-targets.generated.txt
#
# POST_IDS_FILE: one published post id per line (e.g. from
#   python3 loadtest/run.py queue --url http://127.0.0.1:8080 --setup-only /tmp/qs --posts 3000).
# BASE_URL defaults to http://127.0.0.1:8080. The body file is referenced by absolute path, so
# vegeta can run from any directory.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
ids=$1
token=$2
base=${3:-http://127.0.0.1:8080}
base=${base%/}
if [ -f "$token" ]; then token=$(tr -d '[:space:]' <"$token"); fi
body="$(cd "$(dirname "$0")" && pwd)/body.json"
[ -r "$ids" ] || { echo "make-targets.sh: cannot read $ids" >&2; exit 2; }
n=0
while IFS= read -r id || [ -n "$id" ]; do
  id=$(printf '%s' "$id" | tr -d '[:space:]')
  [ -n "$id" ] || continue
  printf 'POST %s/posts/%s/generate-replies\nAuthorization: Bearer %s\nContent-Type: application/json\n@%s\n\n' \
    "$base" "$id" "$token" "$body"
  n=$((n + 1))
done <"$ids"
echo "make-targets.sh: $n targets" >&2
[ "$n" -gt 0 ]
