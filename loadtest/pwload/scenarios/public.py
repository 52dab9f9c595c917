"""Phase 1 public read baseline: the unauthenticated pages a shared link leads to, at a steady
open-loop rate, with per-endpoint latency and errors.

Steps:
  1. setup   - `personaworlds seed --demo` on the server's database before it starts (persona
               published as demo-slug, one post; with --url the profile is made through the API
               if missing), then a fresh user, two personas and one battle
               (POST /rooms/{id}/battles); waits for the battle's reply jobs so its card no longer
               changes, and checks each endpoint once (which also renders the card into the
               server's cache);
  2. load    - concurrently for --duration: GET /p/{slug} at 200/s, GET /templates at 200/s,
               GET /b/{battle}/card.png at 100/s (open loop, staggered phases);
  3. report  - per endpoint and overall: achieved rate, error count/rate (non-2xx/304, transport
               errors, and 200s whose body is not what the route promises), p50/p95/p99/max;
               PASS when every endpoint and the total meet the thresholds.

The started server runs with RATE_LIMIT_PUBLIC_READ_PER_MIN=0: the public-read limiter allows 120
requests per IP per minute, and all load comes from one IP, so with it on the run would measure
429s. The report says so, and counts limiter rejections from /metrics either way.
"""

import json
import os
import time

from .. import fixtures
from ..core import EXIT_FAIL, EXIT_PASS, SetupError, log
from ..loadgen import Stream, run_load, stagger
from ..metrics import Metrics, Sampler, metric, metric_sum
from ..stats import ms, summarize

PREFIX = "loadtest-public:"
DESCRIPTION = ("Phase 1 public read baseline: GET /p/{slug}, /templates and /b/{id}/card.png at steady rates, "
               "per-endpoint latency and errors.")
DEFAULT_DURATION = 60.0
URL_IGNORED = "--bin and the rate-limit setting"
MAX_INFLIGHT_HELP = "256"
SETUP_ONLY_FILES = "DIR/battle_id.txt and DIR/slug.txt"

RATE_LIMIT_ENV = "RATE_LIMIT_PUBLIC_READ_PER_MIN"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
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
    return {RATE_LIMIT_ENV: "0"}


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


# --------------------------------------------------------------------------- body checks
# A 200 with the wrong body is an error too: a route that answers quickly with an error page in a
# 200 must not look like a good baseline. Each returns None when fine, else a short reason.

def check_profile(resp, slug):
    p = resp.payload()
    if not isinstance(p, dict) or not isinstance(p.get("profile"), dict) or "latest_posts" not in p:
        return "not a public profile body"
    if p["profile"].get("slug") != slug:
        return f"profile slug {p['profile'].get('slug')!r} != {slug!r}"
    return None


def check_templates(resp):
    p = resp.payload()
    if not isinstance(p, dict) or not isinstance(p.get("templates"), list):
        return "not a templates body"
    return None


def check_card(resp):
    if not resp.header("content-type").startswith("image/png"):
        return f"content-type {resp.header('content-type')!r}"
    if not resp.body.startswith(PNG_SIGNATURE):
        return "body is not a PNG"
    return None


def endpoint_fire(client, path, body_check):
    """fire(i) for the generator: (status, note) where note is None for a good body, else the
    reason (or the error body for a non-2xx). Bodies are not kept: a 60 s run reads 6000 cards of
    ~60 KB each."""
    def fire(i):
        r = client.send("GET", path)
        if r.status == 200:
            return r.status, body_check(r)
        if r.status == 304:
            return r.status, None
        return r.status, r.body[:200].decode("utf-8", "replace").strip()
    return fire


def endpoint_check(status, note):
    if 200 <= status < 300 or status == 304:
        return None if note is None else f"HTTP {status}, bad body: {note}"
    return f"HTTP {status}: {note}"


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

    # One request per endpoint: proves the routes exist before any load, and renders the card.
    checks = [(f"/p/{args.slug}", lambda r: check_profile(r, args.slug)),
              ("/templates", check_templates),
              (f"/b/{battle}/card.png", check_card)]
    for path, body_check in checks:
        r = client.send("GET", path, retry=True)
        problem = body_check(r) if r.status == 200 else f"HTTP {r.status}: {r.body[:200].decode('utf-8', 'replace')}"
        if problem:
            raise SetupError(f"GET {path}: {problem} (does this binary serve the public routes?)")
    log(f"setup: profile {args.slug} ({how}), user, {len(personas)} personas, battle {battle} "
        f"in {time.monotonic() - t0:.1f}s")
    return battle, how


# --------------------------------------------------------------------------- run

def run(ctx):
    args, base, server = ctx.args, ctx.base, ctx.server
    client = ctx.client()
    metrics = Metrics(client)
    battle, how = setup(ctx, client, metrics)

    if args.setup_only:
        os.makedirs(args.setup_only, exist_ok=True)
        with open(os.path.join(args.setup_only, "battle_id.txt"), "w") as f:
            f.write(battle + "\n")
        with open(os.path.join(args.setup_only, "slug.txt"), "w") as f:
            f.write(args.slug + "\n")
        log(f"fixtures written: {args.setup_only}/battle_id.txt ({battle}), {args.setup_only}/slug.txt ({args.slug})")
        return EXIT_PASS

    endpoints = [
        (f"GET /p/{args.slug}", args.profile_rate, f"/p/{args.slug}", lambda r: check_profile(r, args.slug)),
        ("GET /templates", args.templates_rate, "/templates", check_templates),
        ("GET /b/{id}/card.png", args.card_rate, f"/b/{battle}/card.png", check_card),
    ]
    streams = stagger([Stream(name, rate, int(round(rate * args.duration)), endpoint_fire(client, path, chk), endpoint_check)
                       for name, rate, path, chk in endpoints if rate > 0])
    total_rate = sum(s.rate for s in streams)
    total = sum(s.count for s in streams)

    before = metrics.scrape()
    # CPU use of both sides: on a small box the generator and the server share the cores, and a
    # starved generator shows up as send lag rather than as server latency.
    gen_t0, srv_t0, wall_t0 = os.times(), (server.cpu_seconds() if server is not None else None), time.monotonic()
    rss = None
    if server is not None:
        rss = Sampler(lambda: {"rss": server.rss_kib() or 0}, "rss", 1.0)
        rss.start()
    log(f"load: {total} requests at {total_rate:g}/s for {args.duration:g}s "
        f"({', '.join(f'{s.name} {s.rate:g}/s' for s in streams)}), up to {args.max_inflight} in flight")
    load = run_load(streams, args.max_inflight)
    log(f"load: done in {load.end - load.t0:.1f}s")
    gen_t1, srv_t1 = os.times(), (server.cpu_seconds() if server is not None else None)
    wall = max(time.monotonic() - wall_t0, 1e-9)
    gen_cpu = (gen_t1.user + gen_t1.system - gen_t0.user - gen_t0.system) / wall
    srv_cpu = (srv_t1 - srv_t0) / wall if srv_t0 is not None and srv_t1 is not None else None
    if rss is not None:
        rss.stop()
    after = metrics.scrape()
    rejected = int(metric_sum(after, "rate_limit_events_total", endpoint="public_read")
                   - metric_sum(before, "rate_limit_events_total", endpoint="public_read"))

    per = {s.name: summarize(load.results[s.name], load.t0, load.end) for s in streams}
    overall = summarize(load.all(), load.t0, load.end)
    offered = {s.name: s.rate for s in streams}
    offered["overall"] = total_rate

    fails = []
    for name, f in list(per.items()) + [("overall", overall)]:
        if f["error_rate_pct"] >= args.max_error_rate:
            fails.append(f"{name}: error rate {f['error_rate_pct']:.2f}% >= {args.max_error_rate:g}%")
        if not f["latency_ms"]["p95"] < args.max_p95:
            fails.append(f"{name}: p95 {ms(f['latency_ms']['p95'])} ms >= {args.max_p95:g} ms")
        if f["requests"] >= 10 and f["achieved_rate"] < args.min_rate_ratio * offered[name]:
            fails.append(f"{name}: achieved {f['achieved_rate']:.1f} req/s < {args.min_rate_ratio:g} x offered "
                         f"{offered[name]:g} (load generator fell behind; see send lag)")
    if server is not None and not server.alive():
        fails.append("server exited")
    passed = not fails

    print()
    log(f"target             {base}")
    log(f"rate limit         public read: {rate_limit_note(server)}; "
        f"{rejected} public_read rejections (rate_limit_events_total delta)")
    log(f"fixtures           profile /p/{args.slug} ({how}); battle {battle}")
    log(f"offered rate       {total_rate:g} req/s for {args.duration:g}s ({total} requests)")
    log(f"{'endpoint':<24} {'offered':>8} {'achieved':>9} {'requests':>9} {'errors':>14} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, f in list(per.items()) + [("overall", overall)]:
        lat = f["latency_ms"]
        errs = f"{f['errors']} ({f['error_rate_pct']:.2f}%)"
        log(f"{name:<24} {offered[name]:>6g}/s {f['achieved_rate']:>7.1f}/s {f['requests']:>9} {errs:>14} "
            f"{ms(lat['p50']):>8} {ms(lat['p95']):>8} {ms(lat['p99']):>8} {ms(lat['max']):>8}")
    lag = overall["send_lag_ms"]
    log(f"send lag           p50 {ms(lag['p50'])} ms  p99 {ms(lag['p99'])} ms  max {ms(lag['max'])} ms (actual - scheduled send)")
    log(f"status             {json.dumps(overall['status_codes'], sort_keys=True)}")
    if server is not None:
        err_lines = server.error_lines()
        log(f"server             RSS peak {rss.peak / 1024:.0f} MiB; CPU {'n/a' if srv_cpu is None else f'{srv_cpu:.2f}'} cores "
            f"(generator {gen_cpu:.2f}, of {os.cpu_count()}); {len(err_lines)} error lines in the log")
        for line in err_lines[:5]:
            log(f"  | {line[:300]}")
    else:
        log(f"generator          CPU {gen_cpu:.2f} cores (of {os.cpu_count()})")
    for name, f in per.items():
        for sample in f["error_samples"]:
            log(f"  error sample ({name}): {sample}")
    log(f"thresholds         error rate < {args.max_error_rate:g}%, p95 < {args.max_p95:g} ms, "
        f"achieved >= {args.min_rate_ratio:g} x offered (each endpoint and overall)")
    for f in fails:
        log(f"failure: {f}")
    log("PASS" if passed else "FAIL")

    if args.json:
        def strip(f, rate):
            f = dict(f)
            f.pop("error_samples", None)
            f["offered_rate"] = rate
            return f
        with open(args.json, "w") as out:
            json.dump({
                "scenario": "public", "target": base, "duration_s": args.duration,
                "binary": None if server is None else server.binary,
                "rate_limit_public_read": None if server is None else server.env.get(RATE_LIMIT_ENV),
                "rate_limit_note": rate_limit_note(server), "rate_limit_rejections": rejected,
                "slug": args.slug, "battle_id": battle,
                "endpoints": {name: strip(f, offered[name]) for name, f in per.items()},
                "overall": strip(overall, total_rate),
                "thresholds": {"max_error_rate_pct": args.max_error_rate, "max_p95_ms": args.max_p95,
                               "min_rate_ratio": args.min_rate_ratio},
                "server_rss_peak_kib": None if rss is None else rss.peak,
                "server_cpu_cores": srv_cpu, "generator_cpu_cores": gen_cpu, "cpu_count": os.cpu_count(),
                "server_error_lines": None if server is None else len(server.error_lines()),
                "pass": passed, "failures": fails,
            }, out, indent=2)
    return EXIT_PASS if passed else EXIT_FAIL
