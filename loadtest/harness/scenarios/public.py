"""Phase 1 public read baseline: the unauthenticated pages a shared link leads to, at a steady
open-loop rate, with per-endpoint latency and errors.

Steps:
  1. setup   - `personaworlds seed --demo` on the server's database before it starts (persona
               published as demo-slug, one post; with --url the profile is made through the API
               if missing), then a fresh user, two personas and one battle
               (POST /rooms/{id}/battles); waits for the battle's reply jobs so its card no longer
               changes, and checks each endpoint once (which also renders the card into the
               server's cache);
  2. load    - loadtest/locust/public.py, concurrently for --duration: GET /p/{slug} at 200/s,
               GET /templates at 200/s, GET /b/{battle}/card.png at 100/s (open loop, staggered
               phases);
  3. report  - per endpoint and overall: achieved rate, error count/rate (non-2xx/304, transport
               errors, and 200s whose body is not what the route promises), p50/p95/p99/max;
               PASS when every endpoint and the total meet the thresholds.

The started server runs with RATE_LIMIT_PUBLIC_READ_PER_MIN=0: the public-read limiter allows 120
requests per IP per minute, and all load comes from one IP, so with it on the run would measure
429s. The report says so, and counts limiter rejections from /metrics either way.
"""

import time

from .. import fixtures, locust, report
from ..core import EXIT_PASS, SetupError, log
from ..locust import ms
from ..metrics import Metrics, metric, metric_sum

PREFIX = "loadtest-public:"
DESCRIPTION = ("Phase 1 public read baseline: GET /p/{slug}, /templates and /b/{id}/card.png at steady rates, "
               "per-endpoint latency and errors.")
DEFAULT_DURATION = 60.0
URL_IGNORED = "--bin and the rate-limit setting"
MAX_INFLIGHT_HELP = "256: locust users taking the scheduled requests"
SETUP_ONLY_FILES = "DIR/battle_id.txt and DIR/slug.txt"

RATE_LIMIT_ENV = "RATE_LIMIT_PUBLIC_READ_PER_MIN"
DRAIN_WAIT = 30.0


def add_arguments(ap):
    ap.add_argument("--profile-rate", type=float, default=200.0, help="GET /p/{slug} requests per second (default 200; 0 = off)")
    ap.add_argument("--templates-rate", type=float, default=200.0, help="GET /templates requests per second (default 200; 0 = off)")
    ap.add_argument("--card-rate", type=float, default=100.0, help="GET /b/{id}/card.png requests per second (default 100; 0 = off)")
    ap.add_argument("--slug", default="demo-slug", help="public profile to read (default demo-slug, made by `seed --demo`)")
    ap.add_argument("--topic", default="Go vs Rust", help="topic of the battle whose card is read (default 'Go vs Rust')")
    ap.add_argument("--max-error-rate", type=float, default=1.0, help="FAIL at or above this error percentage (default 1)")
    ap.add_argument("--max-p95", type=float, default=500.0, help="FAIL at or above this p95 latency in ms (default 500)")
    ap.add_argument("--min-rate-ratio", type=float, default=0.95,
                    help="FAIL when an endpoint's achieved rate is below this fraction of its offered rate: the "
                         "generator fell behind and the figures understate the load (default 0.95)")


def validate(args, ap):
    rates = (args.profile_rate, args.templates_rate, args.card_rate)
    if any(r < 0 for r in rates) or not any(r > 0 for r in rates):
        ap.error("rates must be >= 0 and at least one positive")
    if any(0 < r * args.duration < 1 for r in rates):
        ap.error("rate*duration must be at least 1 request for every enabled endpoint")
    args.max_inflight = args.max_inflight or 256


def server_env(args):
    return {RATE_LIMIT_ENV: "0", "RATE_LIMIT_SIGNUP_PER_HOUR": "0"}


def describe_server(args, env):
    return f"{RATE_LIMIT_ENV}={env.get(RATE_LIMIT_ENV, 'default')}"


def before_serve(server, args):
    # The CLI's own seeding, on the same database file, is the path self-hosters use too.
    out = server.run_command("seed", "--demo").strip().splitlines()
    log(f"setup: personaworlds seed --demo: {out[-1] if out else 'done'}")


def rate_limit_note(server):
    if server is None:
        return "not controlled (--url): the server's own setting applies; 429s count as errors"
    value = server.env.get(RATE_LIMIT_ENV)
    if value == "0":
        return f"disabled for this run ({RATE_LIMIT_ENV}=0)"
    return f"{RATE_LIMIT_ENV}={value} (set with --server-env); 429s count as errors"


# --------------------------------------------------------------------------- setup

def wait_queue_empty(metrics, timeout):
    """The battle enqueued reply jobs; each reply changes the card's ETag (and so its cache key),
    so the card is only steady once they are done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if metric(metrics.scrape(), "queue_depth", type="generate_reply") == 0:
            return True
        time.sleep(0.25)
    return False


def setup(ctx, client, metrics):
    args, server = ctx.args, ctx.server
    t0 = time.monotonic()
    if server is not None and args.slug == "demo-slug":
        how = "personaworlds seed --demo"
    else:
        how = fixtures.ensure_public_profile(client, args.slug)
    token = fixtures.signup(client, "loadtest-public")
    personas = fixtures.create_personas(client, token, 2, "Public Baseline")
    rooms = fixtures.room_ids(client, token)
    battle = fixtures.create_battle(client, token, rooms[0], args.topic)
    if not wait_queue_empty(metrics, DRAIN_WAIT):
        log(f"warning: generate_reply queue not empty after {DRAIN_WAIT:g}s; the card may be re-rendered during the load")

    # One request per endpoint: proves the routes exist before any load, and renders the card (the
    # load checks the bodies).
    for path in (f"/p/{args.slug}", "/templates", f"/b/{battle}/card.png"):
        status, payload = client.request("GET", path, retry=True)
        if status != 200:
            raise SetupError(f"GET {path}: HTTP {status}: {str(payload)[:200]} (does this binary serve the public routes?)")
    log(f"setup: profile {args.slug} ({how}), user, {len(personas)} personas, battle {battle} "
        f"in {time.monotonic() - t0:.1f}s")
    return battle, how


# --------------------------------------------------------------------------- run

def run(ctx):
    args, server = ctx.args, ctx.server
    client = ctx.client()
    metrics = Metrics(client)
    battle, how = setup(ctx, client, metrics)
    offered = {name: rate for name, rate in ((f"GET /p/{args.slug}", args.profile_rate),
                                             ("GET /templates", args.templates_rate),
                                             ("GET /b/{id}/card.png", args.card_rate)) if rate > 0}
    scheduled = {name: int(round(rate * args.duration)) for name, rate in offered.items()}
    total_rate, total = sum(offered.values()), sum(scheduled.values())
    if not args.setup_only:
        log(f"load: locust, {total} requests at {total_rate:g}/s for {args.duration:g}s "
            f"({', '.join(f'{n} {r:g}/s' for n, r in offered.items())}), {args.max_inflight} users")
    before = metrics.scrape()
    result = locust.run(ctx, "public", {"battle_id.txt": [battle], "slug.txt": [args.slug]}, args.max_inflight,
                        args.duration + args.request_timeout + 30,
                        ["--profile-rate", str(args.profile_rate), "--templates-rate", str(args.templates_rate),
                         "--card-rate", str(args.card_rate), "--duration", str(args.duration)])
    if result is None:
        return EXIT_PASS
    log(f"load: done in {result.elapsed():.1f}s")
    rejected = int(metric_sum(metrics.scrape(), "rate_limit_events_total", endpoint="public_read")
                   - metric_sum(before, "rate_limit_events_total", endpoint="public_read"))

    per, overall = locust.per_endpoint(result, list(offered))
    overall["send_lag_ms"] = lag = locust.send_lag(result)
    offered["overall"], scheduled["overall"] = total_rate, total
    fails = report.judge_endpoints(per, overall, args.max_error_rate, args.max_p95, offered, scheduled,
                                   args.min_rate_ratio)

    print()
    log(f"target             {ctx.base}")
    log(f"rate limit         public read: {rate_limit_note(server)}; "
        f"{rejected} public_read rejections (rate_limit_events_total delta)")
    log(f"fixtures           profile /p/{args.slug} ({how}); battle {battle}")
    log(f"offered rate       {total_rate:g} req/s for {args.duration:g}s ({total} requests)")
    report.endpoint_table(per, overall, offered)
    log(f"send lag           p50 {ms(lag['p50'])} ms  p99 {ms(lag['p99'])} ms  max {ms(lag['max'])} ms (actual - scheduled send)")
    report.server_lines(server, result)
    report.error_samples(per)
    log(f"thresholds         error rate < {args.max_error_rate:g}%, p95 < {args.max_p95:g} ms, "
        f"achieved >= {args.min_rate_ratio:g} x offered (each endpoint and overall)")
    for name, f in list(per.items()) + [("overall", overall)]:
        f["offered_rate"] = offered[name]
    return report.verdict(fails, server, args.json, dict({
        "scenario": "public", "target": ctx.base, "duration_s": args.duration,
        "binary": None if server is None else server.binary,
        "rate_limit_public_read": None if server is None else server.env.get(RATE_LIMIT_ENV),
        "rate_limit_note": rate_limit_note(server), "rate_limit_rejections": rejected,
        "slug": args.slug, "battle_id": battle, "endpoints": per, "overall": overall,
        "thresholds": {"max_error_rate_pct": args.max_error_rate, "max_p95_ms": args.max_p95,
                       "min_rate_ratio": args.min_rate_ratio},
    }, **report.machine_figures(server, result)))
