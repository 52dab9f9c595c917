"""Phase 3 queue stress: drive POST /posts/{id}/generate-replies at a steady open-loop rate and
measure how long the generate_reply queue takes to drain once the load stops.

Steps:
  1. setup   - sign up a fresh user, create --personas personas (high daily quotas) and --posts
               published posts (draft + approve each, in parallel);
  2. load    - send rate x duration requests, request i at t0 + i/rate (open loop: a slow reply
               does not delay the next request), each to a different post, body {} (all personas);
  3. drain   - poll /metrics every 250 ms until queue_depth{type="generate_reply"} is 0;
  4. verify  - jobs_processed_total{status="done",type="generate_reply"} grew by exactly the sum of
               "enqueued" in the responses.
"""

import json
import os
import time

from .. import fixtures
from ..core import EXIT_FAIL, EXIT_PASS, SetupError, log, parse_duration
from ..loadgen import Stream, run_load
from ..metrics import Metrics, Sampler, metric
from ..stats import ms, percentile, status_codes

PREFIX = "loadtest-queue:"
DESCRIPTION = "Phase 3 queue stress: generate-replies at a steady rate, then time the queue drain."
DEFAULT_DURATION = 60.0
URL_IGNORED = "--latency/--concurrency/--bin"
MAX_INFLIGHT_HELP = "max(64, 4*rate)"
SETUP_ONLY_FILES = "DIR/token.txt and DIR/post_ids.txt"

JOB_TYPE = "generate_reply"
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
    return {"MOCK_LLM_LATENCY": args.latency, "WORKER_CONCURRENCY": str(args.concurrency)}


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
    args, base, server = ctx.args, ctx.base, ctx.server
    total, n_posts, max_inflight = args.total, args.n_posts, args.max_inflight
    client = ctx.client()
    metrics = Metrics(client)

    token, personas, posts = setup_fixtures(client, args.personas, n_posts, args.setup_threads)
    if args.setup_only:
        os.makedirs(args.setup_only, exist_ok=True)
        with open(os.path.join(args.setup_only, "token.txt"), "w") as f:
            f.write(token + "\n")
        with open(os.path.join(args.setup_only, "post_ids.txt"), "w") as f:
            f.write("".join(p + "\n" for p in posts))
        log(f"fixtures written: {args.setup_only}/token.txt, {args.setup_only}/post_ids.txt ({len(posts)} posts)")
        return EXIT_PASS
    if n_posts < total:
        log(f"warning: {n_posts} posts for {total} requests; repeats only yield skipped")

    baseline = snapshot(metrics)
    if baseline["depth"] != 0:
        log(f"warning: queue_depth is {baseline['depth']:.0f} before the load (other work on this server)")
    sampler_metrics = Metrics(ctx.client(5.0))  # own client: its connection is not shared with the load
    sampler = Sampler(lambda: snapshot(sampler_metrics), "depth", POLL_EVERY)
    sampler.start()

    def fire(i):
        return client.request("POST", f"/posts/{posts[i % len(posts)]}/generate-replies", {}, token=token)

    def check(status, payload):
        return None if status == 200 else f"HTTP {status}: {str(payload)[:200]}"

    log(f"load: {total} requests at {args.rate:g}/s for {args.duration:g}s, "
        f"{len(personas)} personas per request, up to {max_inflight} in flight")
    stream = Stream("generate-replies", args.rate, total, fire, check)
    load = run_load([stream], max_inflight, on_start=lambda: sampler.mark("load_start"),
                    on_end=lambda: sampler.mark("load_end"))
    results, t0, sent_done, load_end = load.results[stream.name], load.t0, load.sent_done, load.end
    log(f"load: done in {load_end - t0:.1f}s; waiting for the queue to drain (timeout {args.drain_timeout:g}s)")

    depth_at_end = sampler.value_at.get("load_end")
    drain, last_depth = wait_drain(metrics, server, load_end, args.drain_timeout)
    sampler.stop()

    def counts(r):
        if r.status == 200 and isinstance(r.info, dict):
            return int(r.info.get("enqueued", 0)), int(r.info.get("skipped", 0))
        return 0, 0
    enqueued = sum(counts(r)[0] for r in results)
    skipped = sum(counts(r)[1] for r in results)
    # The done counter is bumped just after the row turns DONE: give it a moment to catch up.
    final = snapshot(metrics)
    if drain is not None:
        settle = time.monotonic() + 5
        while final["done"] - baseline["done"] < enqueued and time.monotonic() < settle:
            time.sleep(POLL_EVERY)
            final = snapshot(metrics)
    done = int(final["done"] - baseline["done"])
    failed = int(final["failed"] - baseline["failed"])
    retried = int(final["retry"] - baseline["retry"])

    # ---- figures (the send window is the dispatcher's, as in vegeta's "rate")
    count = len(results)
    errors = [r for r in results if r.error is not None]
    error_rate = 100.0 * len(errors) / count
    lat = sorted(r.latency * 1000 for r in results if r.latency is not None)
    ok_lat = sorted(r.latency * 1000 for r in results if r.status == 200)
    send_window = max(sent_done - t0, 1e-9)
    achieved = (count - 1) / send_window if count > 1 else float(count)
    throughput = (count - len(errors)) / max(load_end - t0, 1e-9)
    lag = sorted((r.sent - r.scheduled) * 1000 for r in results if r.sent is not None)
    codes = status_codes(results)

    fails = []
    if error_rate > args.max_error_rate:
        fails.append(f"error rate {error_rate:.2f}% > {args.max_error_rate:g}%")
    if drain is None:
        fails.append(f"queue did not drain within {args.drain_timeout:g}s (queue_depth still {'unknown' if last_depth is None else f'{last_depth:.0f}'})")
    if done != enqueued:
        fails.append(f"jobs done {done} != enqueued {enqueued}")
    if enqueued == 0:
        fails.append("no job was enqueued")
    if server is not None and not server.alive():
        fails.append("server exited")
    passed = not fails

    print()
    log(f"target             {base}" + ("" if server is None else f"  ({describe_server(args, server.env)})"))
    log(f"offered rate       {args.rate:g} req/s for {args.duration:g}s ({total} requests, {len(personas)} personas each)")
    log(f"achieved rate      {achieved:.2f} req/s sent; throughput {throughput:.2f} req/s (200s over {load_end - t0:.1f}s)")
    log(f"send lag           p50 {ms(percentile(lag, 50))} ms  p99 {ms(percentile(lag, 99))} ms  max {ms(lag[-1] if lag else 0)} ms (actual - scheduled send)")
    log(f"requests           {count}  status {json.dumps(codes, sort_keys=True)}")
    log(f"error rate         {error_rate:.2f}%  ({len(errors)} non-200 or exceptions; limit {args.max_error_rate:g}%)")
    log(f"latency (all)      p50 {ms(percentile(lat, 50))} ms  p95 {ms(percentile(lat, 95))} ms  "
        f"p99 {ms(percentile(lat, 99))} ms  max {ms(lat[-1] if lat else 0)} ms")
    if len(ok_lat) != len(lat):
        log(f"latency (200 only) p50 {ms(percentile(ok_lat, 50))} ms  p95 {ms(percentile(ok_lat, 95))} ms  p99 {ms(percentile(ok_lat, 99))} ms")
    log(f"jobs enqueued      {enqueued}  (skipped {skipped})")
    log(f"jobs done          {done}  (failed {failed}, retry {retried}; jobs_processed_total delta)")
    log(f"queue depth        peak {sampler.peak:.0f}, at load end {'n/a' if depth_at_end is None else f'{depth_at_end:.0f}'}")
    log(f"drain time         {'TIMEOUT' if drain is None else f'{drain:.2f}s'}  (load end -> queue_depth 0)")
    if server is not None:
        err_lines = server.error_lines()
        log(f"server log         {len(err_lines)} error lines")
        for line in err_lines[:5]:
            log(f"  | {line[:300]}")
    for r in errors[:5]:
        log(f"  error sample: t={r.scheduled:.2f}s {r.error}")
    for f in fails:
        log(f"failure: {f}")
    log("PASS" if passed else "FAIL")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({
                "target": base, "offered_rate": args.rate, "duration_s": args.duration, "requests": count,
                "achieved_rate": achieved, "throughput": throughput, "status_codes": codes, "error_rate_pct": error_rate,
                "latency_ms": {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "p99": percentile(lat, 99),
                               "max": lat[-1] if lat else None},
                "enqueued": enqueued, "skipped": skipped, "done": done, "failed": failed, "retry": retried,
                "queue_depth_peak": sampler.peak, "queue_depth_at_load_end": depth_at_end,
                "drain_s": drain, "pass": passed, "failures": fails,
                "mock_llm_latency": None if server is None else server.env["MOCK_LLM_LATENCY"],
                "worker_concurrency": None if server is None else int(server.env["WORKER_CONCURRENCY"]),
            }, f, indent=2)
    return EXIT_PASS if passed else EXIT_FAIL
