"""Phase 2 authenticated mixed traffic: a fixed population of logged-in users, each looping over
its feed, its notifications and an analytics event, with per-endpoint latency and errors.

Steps:
  1. setup   - `--hosts` host accounts (two personas each; one published post and a public profile
               for the first persona; one battle, which enqueues persona replies), then `--users`
               virtual users, each its own account with one persona, one published post and a
               public profile; user k follows host k mod hosts and virtual user k+1 (so every
               feed has followed posts and every user has a persona_followed notification);
               each route is then checked once;
  2. load    - closed loop for --duration: every virtual user sends GET /feed,
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
setup's 2 x --users follows (30/min per IP by default); no load request is a follow. And
RATE_LIMIT_SIGNUP_PER_HOUR=0, for the setup's --users + --hosts signups from one IP (20/hour by default).
FEED_CACHE_TTL keeps the server's default (15s), as in production: most /feed requests of a user are
cache hits; --server-env FEED_CACHE_TTL=0 measures every feed cold.
"""

import json
import os
import re
import secrets
import time

from .. import fixtures
from ..core import EXIT_FAIL, EXIT_PASS, SetupError, log
from ..loadgen import Step, run_users
from ..metrics import Metrics, Sampler, metric_sum
from ..stats import ms, summarize

PREFIX = "loadtest-mixed:"
DESCRIPTION = ("Phase 2 authenticated mixed traffic: --users virtual users (closed loop) each looping over "
               "GET /feed, GET /notifications?limit=20 and POST /events, per-endpoint latency and errors.")
DEFAULT_DURATION = 60.0
URL_IGNORED = "--bin and the rate-limit settings"
MAX_INFLIGHT_HELP = "n/a: closed loop, one connection per virtual user (--users)"
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
            f"{FOLLOW_LIMIT_ENV}={env.get(FOLLOW_LIMIT_ENV, 'default')}, "
            f"{SIGNUP_LIMIT_ENV}={env.get(SIGNUP_LIMIT_ENV, 'default')}, {FEED_TTL_ENV}={env.get(FEED_TTL_ENV, 'default')}")


def rate_limit_note(server):
    if server is None:
        return "not controlled (--url): the server's own setting applies; 429s count as errors"
    value = server.env.get(EVENTS_LIMIT_ENV)
    if value == "0":
        return (f"disabled for this run ({EVENTS_LIMIT_ENV}=0: the limit is per client IP and every virtual user "
                "shares this one)")
    return f"{EVENTS_LIMIT_ENV}={value} (set with --server-env); 429s count as errors"


# --------------------------------------------------------------------------- body checks
# A 2xx with the wrong body is an error too. Each returns (problem or None, a figure to keep).

def check_feed(resp):
    p = resp.payload()
    if not isinstance(p, dict) or not isinstance(p.get("items"), list):
        return "not a feed body", None
    return None, len(p["items"])


def check_notifications(resp):
    p = resp.payload()
    if not isinstance(p, dict) or not isinstance(p.get("notifications"), list) or not isinstance(p.get("unread_count"), int):
        return "not a notifications body", None
    return None, p["unread_count"]


def check_event(resp):
    p = resp.payload()
    if not isinstance(p, dict) or p.get("ok") is not True:
        return "not {\"ok\": true}", None
    return None, None


def step_fire(client, method, path, body_fn, want, body_check):
    """fire(user, i) for the generator: info = (note, figure); note None for a good body, else the
    reason (or the error body for another status)."""
    def fire(user, i):
        body = body_fn(user, i) if body_fn else None
        r = client.send(method, path, body=body, token=user["token"])
        if r.status == want:
            return r.status, body_check(r)
        return r.status, (r.body[:200].decode("utf-8", "replace").strip(), None)
    return fire


def step_check(want):
    def check(status, info):
        note = info[0] if info else None
        if status == want:
            return None if note is None else f"HTTP {status}, bad body: {note}"
        return f"HTTP {status}: {note}"
    return check


def event_body(battles):
    """Alternates the two events a returning user sends most: sharing a battle (battle_id of a real
    battle, so the feed's trending counts change as in production) and the daily return ping."""
    def body(user, i):
        if i % 2 == 0:
            battle = battles[(user["k"] + i // 2) % len(battles)]
            return {"event_name": "battle_shared", "metadata": {"battle_id": battle, "source": "copy_link"}}
        return {"event_name": "daily_return", "metadata": {"surface": "feed"}}
    return body


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
    # before any load (e.g. a binary without the engagement routes).
    u = users[0]
    checks = [("GET", "/feed", None, 200, check_feed),
              ("GET", NOTIFICATIONS_PATH, None, 200, check_notifications),
              ("POST", "/events", {"event_name": "daily_return", "metadata": {"surface": "setup"}}, 202, check_event)]
    seen = {}
    for method, path, body, want, body_check in checks:
        r = client.send(method, path, body=body, token=u["token"], retry=True)
        problem, figure = body_check(r) if r.status == want else (f"HTTP {r.status}: {r.body[:200].decode('utf-8', 'replace')}", None)
        if problem:
            raise SetupError(f"{method} {path}: {problem} (does this binary serve the engagement routes?)")
        seen[path] = figure
    log(f"setup: {len(hosts)} hosts (public persona, post, battle), {n} users (persona, post, profile, "
        f"{2 if n > 1 else 1} follows each) in {time.monotonic() - t0:.1f}s; first user's feed has "
        f"{seen['/feed']} items, {seen[NOTIFICATIONS_PATH]} unread notifications")
    return hosts, users, battles


# --------------------------------------------------------------------------- run

def run(ctx):
    args, base, server = ctx.args, ctx.base, ctx.server
    client = ctx.client()
    metrics = Metrics(client)
    hosts, users, battles = setup(ctx, client)

    if args.setup_only:
        os.makedirs(args.setup_only, exist_ok=True)
        for name, lines in (("tokens.txt", [u["token"] for u in users]), ("battle_ids.txt", battles),
                            ("slugs.txt", [h["slug"] for h in hosts])):
            with open(os.path.join(args.setup_only, name), "w") as f:
                f.write("".join(line + "\n" for line in lines))
        log(f"fixtures written: {args.setup_only}/tokens.txt ({len(users)} users), battle_ids.txt ({len(battles)}), "
            f"slugs.txt ({len(hosts)} public personas)")
        return EXIT_PASS

    steps = [
        Step("GET /feed", step_fire(client, "GET", "/feed", None, 200, check_feed), step_check(200)),
        Step("GET /notifications", step_fire(client, "GET", NOTIFICATIONS_PATH, None, 200, check_notifications),
             step_check(200)),
        Step("POST /events", step_fire(client, "POST", "/events", event_body(battles), 202, check_event), step_check(202)),
    ]

    before = metrics.scrape()
    # CPU use of both sides: on a small box the generator and the server share the cores; a
    # starved generator inflates the client-side latency as well.
    gen_t0, srv_t0, wall_t0 = os.times(), (server.cpu_seconds() if server is not None else None), time.monotonic()
    rss = None
    if server is not None:
        rss = Sampler(lambda: {"rss": server.rss_kib() or 0}, "rss", 1.0)
        rss.start()
    log(f"load: {len(users)} virtual users for {args.duration:g}s, think {args.think:g} ms (+-50%) after each "
        f"response, each looping over {', '.join(s.name for s in steps)}")
    load = run_users(users, steps, args.duration, args.think / 1000.0)
    elapsed = max(load.end - load.t0, 1e-9)
    log(f"load: done in {elapsed:.1f}s")
    gen_t1, srv_t1 = os.times(), (server.cpu_seconds() if server is not None else None)
    wall = max(time.monotonic() - wall_t0, 1e-9)
    gen_cpu = (gen_t1.user + gen_t1.system - gen_t0.user - gen_t0.system) / wall
    srv_cpu = (srv_t1 - srv_t0) / wall if srv_t0 is not None and srv_t1 is not None else None
    if rss is not None:
        rss.stop()
    after = metrics.scrape()
    rejected = int(metric_sum(after, "rate_limit_events_total", endpoint="events")
                   - metric_sum(before, "rate_limit_events_total", endpoint="events"))

    per = {s.name: summarize(load.results[s.name], load.t0, load.end) for s in steps}
    overall = summarize(load.all(), load.t0, load.end)
    for f in list(per.values()) + [overall]:
        f["rps"] = f["requests"] / elapsed
        # Closed loop: nothing is scheduled, so there is no send lag or offered rate to report.
        f.pop("send_lag_ms", None)
        f.pop("achieved_rate", None)

    def mean_figure(name):
        vals = [r.info[1] for r in load.results[name] if r.error is None and r.info and r.info[1] is not None]
        return sum(vals) / len(vals) if vals else float("nan")

    fails = []
    for name, f in list(per.items()) + [("overall", overall)]:
        if f["requests"] == 0:
            fails.append(f"{name}: no requests completed")
            continue
        if f["error_rate_pct"] >= args.max_error_rate:
            fails.append(f"{name}: error rate {f['error_rate_pct']:.2f}% >= {args.max_error_rate:g}%")
        if not f["latency_ms"]["p95"] < args.max_p95:
            fails.append(f"{name}: p95 {ms(f['latency_ms']['p95'])} ms >= {args.max_p95:g} ms")
    if server is not None and not server.alive():
        fails.append("server exited")
    passed = not fails

    print()
    log(f"target             {base}")
    log(f"rate limit         events: {rate_limit_note(server)}; {rejected} events rejections (rate_limit_events_total delta)")
    feed_ttl = "n/a (--url)" if server is None else server.env.get(FEED_TTL_ENV, "server default (15s)")
    log(f"feed cache         {FEED_TTL_ENV}={feed_ttl}")
    log(f"fixtures           {len(hosts)} hosts ({', '.join('/p/' + h['slug'] for h in hosts[:2])}"
        f"{', ...' if len(hosts) > 2 else ''}; {len(battles)} battles), {len(users)} users with a persona, post, "
        f"profile and follows")
    log(f"load               {len(users)} virtual users, closed loop, think {args.think:g} ms +-50%, {elapsed:.1f}s")
    log(f"{'endpoint':<22} {'requests':>9} {'req/s':>8} {'errors':>14} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, f in list(per.items()) + [("overall", overall)]:
        lat = f["latency_ms"]
        errs = f"{f['errors']} ({f['error_rate_pct']:.2f}%)"
        log(f"{name:<22} {f['requests']:>9} {f['rps']:>8.1f} {errs:>14} "
            f"{ms(lat['p50']):>8} {ms(lat['p95']):>8} {ms(lat['p99']):>8} {ms(lat['max']):>8}")
    log(f"responses          feed items mean {mean_figure('GET /feed'):.1f}; unread notifications mean "
        f"{mean_figure('GET /notifications'):.1f}")
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
    log(f"thresholds         error rate < {args.max_error_rate:g}%, p95 < {args.max_p95:g} ms (each endpoint and overall)")
    for f in fails:
        log(f"failure: {f}")
    log("PASS" if passed else "FAIL")

    if args.json:
        def strip(f):
            f = dict(f)
            f.pop("error_samples", None)
            return f
        with open(args.json, "w") as out:
            json.dump({
                "scenario": "mixed", "target": base, "duration_s": args.duration, "elapsed_s": elapsed,
                "binary": None if server is None else server.binary,
                "users": len(users), "hosts": len(hosts), "think_ms": args.think, "think_jitter": 0.5,
                "rate_limit_events": None if server is None else server.env.get(EVENTS_LIMIT_ENV),
                "rate_limit_note": rate_limit_note(server), "rate_limit_rejections": rejected,
                "feed_cache_ttl": None if server is None else server.env.get(FEED_TTL_ENV),
                "battle_ids": battles, "host_slugs": [h["slug"] for h in hosts],
                "endpoints": {name: strip(f) for name, f in per.items()},
                "overall": strip(overall),
                "feed_items_mean": mean_figure("GET /feed"),
                "unread_notifications_mean": mean_figure("GET /notifications"),
                "thresholds": {"max_error_rate_pct": args.max_error_rate, "max_p95_ms": args.max_p95},
                "server_rss_peak_kib": None if rss is None else rss.peak,
                "server_cpu_cores": srv_cpu, "generator_cpu_cores": gen_cpu, "cpu_count": os.cpu_count(),
                "server_error_lines": None if server is None else len(server.error_lines()),
                "pass": passed, "failures": fails,
            }, out, indent=2)
    return EXIT_PASS if passed else EXIT_FAIL
