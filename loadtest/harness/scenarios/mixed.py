"""Phase 2 authenticated mixed traffic: a fixed population of logged-in users, each looping over
its feed, its notifications and an analytics event, with per-endpoint latency and errors.

Steps:
  1. setup   - `--hosts` host accounts (two personas each; one published post and a public profile
               for the first persona; one battle, which enqueues persona replies), then `--users`
               virtual users, each its own account with one persona, one published post and a
               public profile; user k follows host k mod hosts and virtual user k+1 (so every
               feed has followed posts and every user has a persona_followed notification);
               each route is then checked once;
  2. load    - loadtest/locust/mixed.py, a closed loop for --duration: every virtual user sends GET /feed,
               GET /notifications?limit=20, POST /events in turn on its own keep-alive connection,
               thinking --think ms (+-50 %) after each response; the event alternates between
               battle_shared {battle_id: a host battle} (what a share button posts, and what the
               feed's trending ranking counts) and daily_return;
  3. report  - per endpoint and overall: requests, requests/s, error count/rate (non-2xx,
               transport errors, and 2xx whose body is not what the route promises),
               p50/p95/p99/max; PASS when every endpoint and the total meet the thresholds.

The started server runs with RATE_LIMIT_EVENTS_PER_MIN=0: the events limiter counts per client IP
and all 50 users come from this one IP, so at the default 600/min the run would measure 429s (the
limit is for one browser, not for a load generator). RATE_LIMIT_PUBLIC_WRITE_PER_MIN=0 too, for the
setup's 2 x --users follows (30/min per IP by default); no load request is a follow.
FEED_CACHE_TTL keeps the server's default (15s), as in production: most /feed requests of a user are
cache hits; --server-env FEED_CACHE_TTL=0 measures every feed cold.
"""

import re
import secrets
import time

from .. import fixtures, locust, report
from ..core import EXIT_PASS, SetupError, log
from ..metrics import Metrics, metric_sum

PREFIX = "loadtest-mixed:"
DESCRIPTION = ("Phase 2 authenticated mixed traffic: --users virtual users (closed loop) each looping over "
               "GET /feed, GET /notifications?limit=20 and POST /events, per-endpoint latency and errors.")
DEFAULT_DURATION = 60.0
URL_IGNORED = "--bin and the rate-limit settings"
MAX_INFLIGHT_HELP = "n/a: closed loop, one locust user and connection per virtual user (--users)"
SETUP_ONLY_FILES = "DIR/tokens.txt, DIR/battle_ids.txt and DIR/slugs.txt"

EVENTS_LIMIT_ENV = "RATE_LIMIT_EVENTS_PER_MIN"
FOLLOW_LIMIT_ENV = "RATE_LIMIT_PUBLIC_WRITE_PER_MIN"
SIGNUP_LIMIT_ENV = "RATE_LIMIT_SIGNUP_PER_HOUR"
FEED_TTL_ENV = "FEED_CACHE_TTL"
NOTIFICATIONS_PATH = "/notifications?limit=20"
TOPICS = ["Go vs Rust for small services", "Monolith or microservices first", "SQLite in production",
          "Tabs or spaces", "Remote-first teams", "Static typing for scripts"]


def think_ms(text):
    """--think: milliseconds, or a number with an ms/s suffix."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*", text)
    if not m:
        raise ValueError(text)
    v = float(m.group(1))
    return v * 1000.0 if m.group(2) == "s" else v


def add_arguments(ap):
    ap.add_argument("--users", type=int, default=50, help="virtual users, each its own account and connection (default 50)")
    ap.add_argument("--think", type=think_ms, default=100.0, metavar="MS",
                    help="think time after each response, in ms (also 0.2s), drawn from +-50%% of it (default 100; "
                         "0 = back to back, a saturation test)")
    ap.add_argument("--hosts", type=int, default=5,
                    help="accounts whose public personas the users follow and whose battles they share (default 5)")
    ap.add_argument("--setup-threads", type=int, default=8, help="parallel setup requests (default 8)")
    ap.add_argument("--max-error-rate", type=float, default=1.0, help="FAIL at or above this error percentage (default 1)")
    ap.add_argument("--max-p95", type=float, default=1200.0, help="FAIL at or above this p95 latency in ms (default 1200)")


def validate(args, ap):
    if args.users < 1:
        ap.error("--users must be at least 1")
    if args.hosts < 1:
        ap.error("--hosts must be at least 1")
    if args.think < 0:
        ap.error("--think must be >= 0")
    if args.max_inflight is not None:
        ap.error("--max-inflight does not apply to a closed loop: concurrency is --users")
    args.max_inflight = args.users


def server_env(args):
    return {EVENTS_LIMIT_ENV: "0", FOLLOW_LIMIT_ENV: "0", SIGNUP_LIMIT_ENV: "0"}


def describe_server(args, env):
    return (f"{EVENTS_LIMIT_ENV}={env.get(EVENTS_LIMIT_ENV, 'default')}, "
            f"{FOLLOW_LIMIT_ENV}={env.get(FOLLOW_LIMIT_ENV, 'default')}, {FEED_TTL_ENV}={env.get(FEED_TTL_ENV, 'default')}")


def rate_limit_note(server):
    if server is None:
        return "not controlled (--url): the server's own setting applies; 429s count as errors"
    value = server.env.get(EVENTS_LIMIT_ENV)
    if value == "0":
        return (f"disabled for this run ({EVENTS_LIMIT_ENV}=0: the limit is per client IP and every virtual user "
                "shares this one)")
    return f"{EVENTS_LIMIT_ENV}={value} (set with --server-env); 429s count as errors"


# --------------------------------------------------------------------------- setup

def make_host(client, rooms, k, tag):
    token = fixtures.signup(client, "loadtest-mixed-host")
    personas = fixtures.create_personas(client, token, 2, f"Mixed Host {k + 1}")
    fixtures.publish_post(client, token, personas[0], rooms[k % len(rooms)])
    slug = fixtures.publish_profile(client, token, personas[0], f"lt-mixed-{tag}-host-{k + 1}")
    battle = fixtures.create_battle(client, token, rooms[k % len(rooms)], TOPICS[k % len(TOPICS)])
    return {"token": token, "slug": slug, "battle": battle}


def make_user(client, rooms, k, tag):
    token = fixtures.signup(client, "loadtest-mixed-user")
    persona = fixtures.create_personas(client, token, 1, f"Mixed User {k + 1}")[0]
    fixtures.publish_post(client, token, persona, rooms[k % len(rooms)])
    slug = fixtures.publish_profile(client, token, persona, f"lt-mixed-{tag}-user-{k + 1}")
    return {"k": k, "token": token, "slug": slug}


def setup(ctx, client):
    args = ctx.args
    t0 = time.monotonic()
    # A per-run tag keeps the slugs of several runs against one --url server apart.
    tag = secrets.token_hex(3)
    first = fixtures.signup(client, "loadtest-mixed-probe")
    rooms = fixtures.room_ids(client, first)
    hosts = fixtures.parallel(lambda k: make_host(client, rooms, k, tag), range(args.hosts), args.setup_threads)
    users = fixtures.parallel(lambda k: make_user(client, rooms, k, tag), range(args.users), args.setup_threads,
                              "virtual users")
    n = len(users)

    def follows(u):
        fixtures.follow(client, u["token"], hosts[u["k"] % len(hosts)]["slug"])
        if n > 1:
            fixtures.follow(client, u["token"], users[(u["k"] + 1) % n]["slug"])
    fixtures.parallel(follows, users, args.setup_threads)
    battles = [h["battle"] for h in hosts]

    # One request per route with the first user: a missing route stops the run with status 2
    # before any load (e.g. a binary without the engagement routes). The load checks the bodies.
    u = users[0]
    checks = [("GET", "/feed", None, 200), ("GET", NOTIFICATIONS_PATH, None, 200),
              ("POST", "/events", {"event_name": "daily_return", "metadata": {"surface": "setup"}}, 202)]
    seen = {}
    for method, path, body, want in checks:
        status, payload = client.request(method, path, body=body, token=u["token"], retry=True)
        if status != want or not isinstance(payload, dict):
            raise SetupError(f"{method} {path}: HTTP {status}: {str(payload)[:200]} "
                             "(does this binary serve the engagement routes?)")
        seen[path] = payload
    log(f"setup: {len(hosts)} hosts (public persona, post, battle), {n} users (persona, post, profile, "
        f"{2 if n > 1 else 1} follows each) in {time.monotonic() - t0:.1f}s; first user's feed has "
        f"{len(seen['/feed'].get('items') or [])} items, {seen[NOTIFICATIONS_PATH].get('unread_count')} unread notifications")
    return hosts, users, battles


# --------------------------------------------------------------------------- run

def run(ctx):
    args, server = ctx.args, ctx.server
    client = ctx.client()
    metrics = Metrics(client)
    hosts, users, battles = setup(ctx, client)
    names = ["GET /feed", "GET /notifications", "POST /events"]
    if not args.setup_only:
        log(f"load: locust, {len(users)} virtual users for {args.duration:g}s, think {args.think:g} ms (+-50%) "
            f"after each response, each looping over {', '.join(names)}")
    before = metrics.scrape()
    result = locust.run(ctx, "mixed", {"tokens.txt": [u["token"] for u in users], "battle_ids.txt": battles,
                                       "slugs.txt": [h["slug"] for h in hosts]},
                        len(users), args.duration, ["--think", str(args.think)])
    if result is None:
        return EXIT_PASS
    elapsed = result.elapsed()
    log(f"load: done in {elapsed:.1f}s")
    rejected = int(metric_sum(metrics.scrape(), "rate_limit_events_total", endpoint="events")
                   - metric_sum(before, "rate_limit_events_total", endpoint="events"))

    per, overall = locust.per_endpoint(result, names)
    feed_items = locust.figure_mean(result, "feed_items")
    unread = locust.figure_mean(result, "unread_notifications")
    fails = report.judge_endpoints(per, overall, args.max_error_rate, args.max_p95)

    print()
    log(f"target             {ctx.base}")
    log(f"rate limit         events: {rate_limit_note(server)}; {rejected} events rejections (rate_limit_events_total delta)")
    feed_ttl = "n/a (--url)" if server is None else server.env.get(FEED_TTL_ENV, "server default (15s)")
    log(f"feed cache         {FEED_TTL_ENV}={feed_ttl}")
    log(f"fixtures           {len(hosts)} hosts ({', '.join('/p/' + h['slug'] for h in hosts[:2])}"
        f"{', ...' if len(hosts) > 2 else ''}; {len(battles)} battles), {len(users)} users with a persona, post, "
        f"profile and follows")
    log(f"load               {len(users)} virtual users, closed loop, think {args.think:g} ms +-50%, {elapsed:.1f}s")
    report.endpoint_table(per, overall)
    log(f"responses          feed items mean {feed_items:.1f}; unread notifications mean {unread:.1f}")
    report.server_lines(server, result)
    report.error_samples(per)
    log(f"thresholds         error rate < {args.max_error_rate:g}%, p95 < {args.max_p95:g} ms (each endpoint and overall)")
    return report.verdict(fails, server, args.json, dict({
        "scenario": "mixed", "target": ctx.base, "duration_s": args.duration, "elapsed_s": elapsed,
        "binary": None if server is None else server.binary,
        "users": len(users), "hosts": len(hosts), "think_ms": args.think, "think_jitter": 0.5,
        "rate_limit_events": None if server is None else server.env.get(EVENTS_LIMIT_ENV),
        "rate_limit_note": rate_limit_note(server), "rate_limit_rejections": rejected,
        "feed_cache_ttl": None if server is None else server.env.get(FEED_TTL_ENV),
        "battle_ids": battles, "host_slugs": [h["slug"] for h in hosts],
        "endpoints": per, "overall": overall,
        "feed_items_mean": feed_items, "unread_notifications_mean": unread,
        "thresholds": {"max_error_rate_pct": args.max_error_rate, "max_p95_ms": args.max_p95},
    }, **report.machine_figures(server, result)))
