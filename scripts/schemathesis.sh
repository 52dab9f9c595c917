#!/usr/bin/env bash
# Fuzzes a built PersonaWorlds binary against openapi.yaml with Schemathesis 4.x.
#
# Usage: scripts/schemathesis.sh PATH_TO_BINARY
#        PERSONAWORLDS_TEST_ENGINE=postgres scripts/schemathesis.sh PATH_TO_BINARY
#
# Starts the binary on a free loopback port with a throw-away database (rate limits off): a SQLite
# file, or with PERSONAWORLDS_TEST_ENGINE=postgres a database on a throwaway PostgreSQL cluster
# (scripts/lib/test-server.sh, scripts/lib/pg-cluster.sh),
# signs up a user (the only admin), creates one persona and a published post in the first room, and a second user's
# public profile `qa-persona` with a post, plus follows, a shared post, a public template and a
# remix so the feed, notifications and digests have content (so real ids exist; the stateful
# phase reaches them through the spec's links, e.g. GET /rooms → GET /rooms/{id}/posts → draft →
# approve → generate-replies / thread), then runs `st run` (all phases: examples, coverage,
# fuzzing, stateful) with the checks not_a_server_error, status_code_conformance,
# content_type_conformance, response_schema_conformance and response_headers_conformance.
# Exits non-zero on any failure. The server is always stopped (trap on EXIT/INT/TERM).
#
# The run is bounded by --max-time (fuzzing/stateful repeat until it is spent), plus a hard
# `timeout` of max-time + 60s around `st`.
#
# Tunables (environment): ST_MAX_EXAMPLES (default 30), ST_MAX_TIME (seconds, default 120),
# ST_SEED (default: random), ST_EXTRA_ARGS (extra `st run` arguments, word-split).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# BIN, TMP, PORT, BASE, the cleanup trap (stops the server and the test driver) and test_server_*.
source "$ROOT/scripts/lib/test-server.sh" schemathesis "$@"

SPEC="$ROOT/openapi.yaml"
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-30}
MAX_TIME=${ST_MAX_TIME:-120}
JWT_SECRET_TEST="schemathesis-test-secret-0123456789abcdef" # 40 chars, test only

[[ -f "$SPEC" ]] || { echo "schemathesis: spec not found: $SPEC" >&2; exit 64; }
ST=$(command -v st || command -v schemathesis || true)
[[ -n "$ST" ]] || { echo "schemathesis: 'st' / 'schemathesis' not on PATH (pip install schemathesis)" >&2; exit 69; }

# Rate limits are disabled (0 = class off) for the fuzzed server: this run tests the API contract
# (statuses, bodies, headers), not throttling. Left on, the thousands of requests Schemathesis sends
# would soon be 429s and hide the routes behind them. With a class off its RateLimit-* headers are
# absent, which openapi.yaml allows; throttling itself is covered by the Swift tests.
test_server_start LOG_LEVEL=warning \
    RATE_LIMIT_PUBLIC_READ_PER_MIN=0 RATE_LIMIT_PUBLIC_WRITE_PER_MIN=0 \
    RATE_LIMIT_BATTLE_CREATE_PER_MIN=0 RATE_LIMIT_TEMPLATE_CREATE_PER_MIN=0 \
    RATE_LIMIT_LOGIN_FAILURES_PER_MIN=0 RATE_LIMIT_EVENTS_PER_MIN=0 RATE_LIMIT_SIGNUP_PER_HOUR=0 \
    JWT_SECRET="$JWT_SECRET_TEST"
test_server_wait_healthy

json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

TOKEN=$(curl -fsS -X POST "$BASE/auth/signup" -H 'Content-Type: application/json' \
    -d '{"email":"schemathesis@example.com","password":"schemathesis-pass"}' | json_field token)
# The fuzzing user holds the stored admin role (granted from the command line, as an operator would), so
# GET /admin/analytics/summary answers 200.
env "${DB_ENV[@]}" JWT_SECRET="$JWT_SECRET_TEST" LOG_LEVEL=error "$BIN" admin grant schemathesis@example.com >/dev/null
PERSONA_ID=$(curl -fsS -X POST "$BASE/personas" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" \
    -d '{"name":"Fuzz Persona","bio":"seed","tone":"calm","writing_samples":["one","two","three"],"preferred_language":"en","formality":1,"daily_draft_quota":1000,"daily_reply_quota":1000}' \
    | json_field id)
ROOM_ID=$(curl -fsS "$BASE/rooms" -H "Authorization: Bearer $TOKEN" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["rooms"][0]["id"])')
POST_ID=$(curl -fsS -X POST "$BASE/rooms/$ROOM_ID/posts/draft" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -d "{\"persona_id\":\"$PERSONA_ID\"}" | json_field id)
curl -fsS -o /dev/null -X POST "$BASE/posts/$POST_ID/approve" -H "Authorization: Bearer $TOKEN"
# A second user's public profile under the spec's example slug (`qa-persona`), so the examples of
# GET /p/{slug}, /p/{slug}/posts and POST /p/{slug}/follow reach a real profile (and follow can
# succeed: the fuzzing user does not own it).
OTHER_TOKEN=$(curl -fsS -X POST "$BASE/auth/signup" -H 'Content-Type: application/json' \
    -d '{"email":"schemathesis-other@example.com","password":"schemathesis-pass"}' | json_field token)
OTHER_PERSONA_ID=$(curl -fsS -X POST "$BASE/personas" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $OTHER_TOKEN" \
    -d '{"name":"QA Persona","bio":"seed","tone":"calm","writing_samples":["one","two","three"],"preferred_language":"en"}' \
    | json_field id)
curl -fsS -o /dev/null -X POST "$BASE/personas/$OTHER_PERSONA_ID/publish-profile" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $OTHER_TOKEN" -d '{"slug":"qa-persona"}'
# Engagement data, so /feed, /notifications and the digests return non-empty bodies: the other user
# publishes a post from `qa-persona` (followed by the fuzzing user → a followed feed battle, shared
# once → also trending), follows the fuzzing user's published persona (a `persona_followed`
# notification) and remixes the fuzzing user's battle with the fuzzing user's public template
# (`battle_remixed` and `template_used` notifications).
OTHER_POST_ID=$(curl -fsS -X POST "$BASE/rooms/$ROOM_ID/posts/draft" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $OTHER_TOKEN" -d "{\"persona_id\":\"$OTHER_PERSONA_ID\"}" | json_field id)
curl -fsS -o /dev/null -X POST "$BASE/posts/$OTHER_POST_ID/approve" -H "Authorization: Bearer $OTHER_TOKEN"
curl -fsS -o /dev/null -X POST "$BASE/p/qa-persona/follow" -H "Authorization: Bearer $TOKEN"
curl -fsS -o /dev/null -X POST "$BASE/events" -H 'Content-Type: application/json' \
    -d "{\"event_name\":\"battle_shared\",\"metadata\":{\"battle_id\":\"$OTHER_POST_ID\",\"source\":\"seed\"}}"
curl -fsS -o /dev/null -X POST "$BASE/personas/$PERSONA_ID/publish-profile" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -d '{"slug":"fuzz-persona"}'
curl -fsS -o /dev/null -X POST "$BASE/p/fuzz-persona/follow" -H "Authorization: Bearer $OTHER_TOKEN"
TEMPLATE_ID=$(curl -fsS -X POST "$BASE/templates" -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
    -d '{"name":"Fuzz template","prompt_rules":"One claim and one rebuttal per turn.","turn_count":4,"word_limit":80,"is_public":true}' \
    | json_field id)
BATTLE_ID=$(curl -fsS -X POST "$BASE/rooms/$ROOM_ID/battles" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -d "{\"topic\":\"Should every backend team ship on Fridays?\",\"template_id\":\"$TEMPLATE_ID\"}" \
    | json_field battle_id)
REMIX_TOKEN=$(curl -fsS -X POST "$BASE/battles/$BATTLE_ID/remix-intent" | json_field remix_token)
curl -fsS -o /dev/null -X POST "$BASE/rooms/$ROOM_ID/battles" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $OTHER_TOKEN" -d "{\"remix_token\":\"$REMIX_TOKEN\",\"template_id\":\"$TEMPLATE_ID\"}"
echo "schemathesis: server $BASE (pid $SERVER_PID, $ENGINE), seeded persona $PERSONA_ID, published post $POST_ID in room $ROOM_ID"

ARGS=(run "$SPEC"
    --url "$BASE"
    --header "Authorization: Bearer $TOKEN"
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance
    --max-examples "$MAX_EXAMPLES"
    --max-time "$MAX_TIME"
    --workers 1
    --request-timeout 10
    --generation-database none
    --no-color
    # Logging out would end the fuzzing user's session for every later request; the Swift tests cover both routes.
    --exclude-operation-id logout --exclude-operation-id logoutAll)
[[ -n "${ST_SEED:-}" ]] && ARGS+=(--seed "$ST_SEED")
# shellcheck disable=SC2206
[[ -n "${ST_EXTRA_ARGS:-}" ]] && ARGS+=($ST_EXTRA_ARGS)

# Run from the temp dir so nothing (hypothesis database, reports) lands in the repo; hard stop well
# after --max-time in case a phase overruns.
test_server_run_driver "$TMP" $((MAX_TIME + 60)) "st" "no failures (openapi.yaml vs $BIN)" "$ST" "${ARGS[@]}"
