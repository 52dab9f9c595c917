-- wrk script for POST /events (scripts/bench.sh): every request posts the same small JSON event.
--
--   wrk -t2 -c50 -d10s -s loadtest/wrk/events.lua http://127.0.0.1:8080/events -- <battle id>
--
-- With a battle id the event is battle_shared {battle_id, source} - what a share button posts and
-- what the feed's trending ranking counts; without one it is daily_return. No Authorization header:
-- the route's auth is optional and most share events come from visitors. Start the server with
-- RATE_LIMIT_EVENTS_PER_MIN=0, or the per-IP limit (600/min) turns nearly every request into a 429
-- (wrk reports those as "Non-2xx or 3xx responses"; a 400 for a bad body would show there too).

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

-- init runs in each wrk thread before the request is formatted, so the body can depend on the
-- script arguments.
function init(args)
  local battle = args[1]
  if battle ~= nil and battle ~= "" then
    wrk.body = string.format('{"event_name":"battle_shared","metadata":{"battle_id":"%s","source":"bench"}}', battle)
  else
    wrk.body = '{"event_name":"daily_return","metadata":{"source":"bench"}}'
  end
end
