"""Phase 3 queue stress: drive POST /posts/{id}/generate-replies at a steady open-loop rate and
measure how long the generate_reply queue takes to drain once the load stops.

Steps:
  1. setup   - sign up a fresh user, create --personas personas (high daily quotas) and --posts
               published posts (draft + approve each, in parallel);
  2. load    - loadtest/locust/queue.py sends rate x duration requests, request i at t0 + i/rate
               (open loop: a slow reply does not delay the next request), each to a different
               post, body {} (all personas);
  3. drain   - poll /metrics every 250 ms until queue_depth{type="generate_reply"} is 0;
  4. verify  - jobs_processed_total{status="done",type="generate_reply"} grew by exactly the sum of
               "enqueued" in the responses.
"""

import time

from .. import fixtures, locust, report
from ..core import EXIT_PASS, SetupError, log, parse_duration
from ..locust import ms
from ..metrics import Metrics, Sampler, metric

PREFIX = "loadtest-queue:"
DESCRIPTION = "Phase 3 queue stress: generate-replies at a steady rate, then time the queue drain."
DEFAULT_DURATION = 60.0
URL_IGNORED = "--latency/--concurrency/--bin"
MAX_INFLIGHT_HELP = "max(64, 4*rate) locust users taking the scheduled requests"
SETUP_ONLY_FILES = "DIR/token.txt and DIR/post_ids.txt"

JOB_TYPE = "generate_reply"
QUEUE_REQUEST = "POST /posts/{id}/generate-replies"  # the locustfile's request name
POLL_EVERY = 0.25


def add_arguments(ap):
    ap.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    ap.add_argument("--posts", type=int, default=None, help="published posts to create (default rate*duration: one per request)")
    ap.add_argument("--personas", type=int, default=3, help="personas; each request enqueues one job per persona (default 3)")
    ap.add_argument("--latency", type=parse_duration, default="50ms", help="MOCK_LLM_LATENCY of the started server (default 50ms)")
    ap.add_argument("--concurrency", type=int, default=4, help="WORKER_CONCURRENCY of the started server (default 4)")
    ap.add_argument("--drain-timeout", type=float, default=120.0, help="seconds to wait for the queue to drain (default 120)")
    ap.add_argument("--max-error-rate", type=float, default=1.0, help="FAIL above this error percentage (default 1)")
    ap.add_argument("--setup-threads", type=int, default=16, help="parallel requests while creating posts (default 16)")


def validate(args, ap):
    if args.rate <= 0:
        ap.error("--rate and --duration must be positive")
    args.total = int(round(args.rate * args.duration))
    if args.total < 1:
        ap.error("rate*duration must be at least 1 request")
    args.n_posts = args.posts if args.posts is not None else args.total
    if args.n_posts < 1:
        ap.error("--posts must be positive")
    args.max_inflight = args.max_inflight or max(64, int(args.rate * 4))


def server_env(args):
    return {"MOCK_LLM_LATENCY": args.latency, "WORKER_CONCURRENCY": str(args.concurrency), "RATE_LIMIT_SIGNUP_PER_HOUR": "0"}


def describe_server(args, env):
    return f"MOCK_LLM_LATENCY={env['MOCK_LLM_LATENCY']}, WORKER_CONCURRENCY={env['WORKER_CONCURRENCY']}"


def snapshot(metrics):
    s = metrics.scrape()
    return {
        "depth": metric(s, "queue_depth", type=JOB_TYPE),
        "done": metric(s, "jobs_processed_total", status="done", type=JOB_TYPE),
        "failed": metric(s, "jobs_processed_total", status="failed", type=JOB_TYPE),
        "retry": metric(s, "jobs_processed_total", status="retry", type=JOB_TYPE),
    }


def setup_fixtures(client, n_personas, n_posts, threads):
    """A user, personas with high quotas, and one published post per request: generate-replies
    skips a persona that already replied or has an active job for the post, so reusing posts
    would measure "skipped" instead of enqueueing."""
    t0 = time.monotonic()
    token = fixtures.signup(client, "queue-stress")
    rooms = fixtures.room_ids(client, token)
    personas = fixtures.create_personas(client, token, n_personas, "Queue Stress")
    posts = fixtures.publish_posts(client, token, personas, rooms, n_posts, threads)
    log(f"setup: user, {len(personas)} personas, {len(posts)} published posts in {time.monotonic() - t0:.1f}s")
    return token, personas, posts


def wait_drain(metrics, server, load_end, timeout):
    """Polls until queue_depth is 0. Returns (drain seconds or None, last depth)."""
    deadline = load_end + timeout
    last_report = time.monotonic()
    depth = None
    while True:
        if server is not None and not server.alive():
            raise SetupError(f"server exited with status {server.proc.returncode} while draining\n{server.log_tail()}")
        now = time.monotonic()
        try:
            depth = snapshot(metrics)["depth"]
            if depth == 0:
                return now - load_end, depth
        except Exception as e:
            log(f"drain: /metrics failed: {type(e).__name__}: {e}")
        if now >= deadline:
            return None, depth
        if now - last_report >= 10:
            log(f"drain: queue_depth={depth:.0f} after {now - load_end:.0f}s")
            last_report = now
        time.sleep(POLL_EVERY)


def run(ctx):
    args, server = ctx.args, ctx.server
    total, max_inflight = args.total, args.max_inflight
    metrics = Metrics(ctx.client())
    token, personas, posts = setup_fixtures(ctx.client(), args.personas, args.n_posts, args.setup_threads)
    files = {"token.txt": [token], "post_ids.txt": posts}
    if args.setup_only:
        locust.run(ctx, "queue", files, 0, 0, [])
        return EXIT_PASS
    if args.n_posts < total:
        log(f"warning: {args.n_posts} posts for {total} requests; repeats only yield skipped")

    baseline = snapshot(metrics)
    if baseline["depth"] != 0:
        log(f"warning: queue_depth is {baseline['depth']:.0f} before the load (other work on this server)")
    sampler_metrics = Metrics(ctx.client(5.0))  # own client: its connection is not shared with the drain
    sampler = Sampler(lambda: snapshot(sampler_metrics), "depth", POLL_EVERY)
    sampler.start()
    log(f"load: locust, {total} requests at {args.rate:g}/s for {args.duration:g}s, "
        f"{len(personas)} personas per request, {max_inflight} users")
    result = locust.run(ctx, "queue", files, max_inflight, args.duration + args.request_timeout + 30,
                        ["--rate", str(args.rate), "--duration", str(args.duration)])
    # Locust reports when the last response arrived (unix time); the drain is timed from there.
    last_response = result.extra.get("last_response_unix") or time.time()
    load_end = time.monotonic() - max(0.0, time.time() - last_response)
    log(f"load: done in {result.elapsed():.1f}s; waiting for the queue to drain (timeout {args.drain_timeout:g}s)")
    drain, last_depth = wait_drain(metrics, server, load_end, args.drain_timeout)
    sampler.stop()
    depth_at_end = sampler.value_at(last_response)

    enqueued = locust.figure_sum(result, "enqueued")
    skipped = locust.figure_sum(result, "skipped")
    # The done counter is bumped just after the row turns DONE: give it a moment to catch up.
    final = snapshot(metrics)
    if drain is not None:
        settle = time.monotonic() + 5
        while final["done"] - baseline["done"] < enqueued and time.monotonic() < settle:
            time.sleep(POLL_EVERY)
            final = snapshot(metrics)
    done, failed, retried = (int(final[k] - baseline[k]) for k in ("done", "failed", "retry"))

    per, f = locust.per_endpoint(result, [QUEUE_REQUEST])
    lat, lag = f["latency_ms"], locust.send_lag(result)
    fails = []
    if f["requests"] < total:
        fails.append(f"{f['requests']} of {total} scheduled requests sent (locust stopped early)")
    if f["error_rate_pct"] > args.max_error_rate:
        fails.append(f"error rate {f['error_rate_pct']:.2f}% > {args.max_error_rate:g}%")
    if drain is None:
        fails.append(f"queue did not drain within {args.drain_timeout:g}s "
                     f"(queue_depth still {'unknown' if last_depth is None else f'{last_depth:.0f}'})")
    if done != enqueued:
        fails.append(f"jobs done {done} != enqueued {enqueued}")
    if enqueued == 0:
        fails.append("no job was enqueued")

    print()
    log(f"target             {ctx.base}" + ("" if server is None else f"  ({describe_server(args, server.env)})"))
    log(f"offered rate       {args.rate:g} req/s for {args.duration:g}s ({total} requests, {len(personas)} personas each)")
    log(f"achieved rate      {f.get('achieved_rate', 0.0):.2f} req/s sent; throughput {f['throughput']:.2f} req/s "
        f"(200s over {result.elapsed():.1f}s)")
    log(f"send lag           p50 {ms(lag['p50'])} ms  p99 {ms(lag['p99'])} ms  max {ms(lag['max'])} ms (actual - scheduled send)")
    log(f"requests           {f['requests']}")
    log(f"error rate         {f['error_rate_pct']:.2f}%  ({f['errors']} non-200, bad bodies or exceptions; "
        f"limit {args.max_error_rate:g}%)")
    log(f"latency (all)      p50 {ms(lat['p50'])} ms  p95 {ms(lat['p95'])} ms  p99 {ms(lat['p99'])} ms  max {ms(lat['max'])} ms")
    log(f"jobs enqueued      {enqueued}  (skipped {skipped})")
    log(f"jobs done          {done}  (failed {failed}, retry {retried}; jobs_processed_total delta)")
    log(f"queue depth        peak {sampler.peak:.0f}, at load end {'n/a' if depth_at_end is None else f'{depth_at_end:.0f}'}")
    log(f"drain time         {'TIMEOUT' if drain is None else f'{drain:.2f}s'}  (load end -> queue_depth 0)")
    report.server_lines(server, result)
    report.error_samples(per)
    return report.verdict(fails, server, args.json, dict({
        "target": ctx.base, "offered_rate": args.rate, "duration_s": args.duration, "requests": f["requests"],
        "achieved_rate": f.get("achieved_rate"), "throughput": f["throughput"],
        "error_rate_pct": f["error_rate_pct"], "latency_ms": lat, "send_lag_ms": lag,
        "enqueued": enqueued, "skipped": skipped, "done": done, "failed": failed, "retry": retried,
        "queue_depth_peak": sampler.peak, "queue_depth_at_load_end": depth_at_end, "drain_s": drain,
        "mock_llm_latency": None if server is None else server.env["MOCK_LLM_LATENCY"],
        "worker_concurrency": None if server is None else int(server.env["WORKER_CONCURRENCY"]),
    }, **report.machine_figures(server, result)))
