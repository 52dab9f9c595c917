#!/usr/bin/env python3
"""Phase 3 queue stress: drive POST /posts/{id}/generate-replies at a steady open-loop rate and
measure how long the generate_reply queue takes to drain once the load stops.

Python 3 standard library only. By default it starts the personaworlds binary itself on a free
loopback port with a throw-away SQLite database and stops it at the end (also on Ctrl-C, SIGTERM
and errors). With --url it targets a server that is already running (loopback addresses only).

Steps:
  1. setup   - sign up a fresh user, create --personas personas (high daily quotas) and --posts
               published posts (draft + approve each, in parallel);
  2. load    - send rate x duration requests, request i at t0 + i/rate (open loop: a slow reply
               does not delay the next request), each to a different post, body {} (all personas);
  3. drain   - poll /metrics every 250 ms until queue_depth{type="generate_reply"} is 0;
  4. verify  - jobs_processed_total{status="done",type="generate_reply"} grew by exactly the sum of
               "enqueued" in the responses.

Exit status: 0 PASS, 1 FAIL, 2 setup/usage error, 130 interrupted.
"""

import argparse
import http.client
import ipaddress
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor, as_completed

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JOB_TYPE = "generate_reply"
POLL_EVERY = 0.25
PREFIX = "loadtest-queue:"


def log(msg):
    print(f"{PREFIX} {msg}", flush=True)


class SetupError(Exception):
    pass


# --------------------------------------------------------------------------- HTTP client

class Client:
    """Tiny JSON client over http.client with one keep-alive connection per thread."""

    def __init__(self, base, timeout):
        u = urllib.parse.urlsplit(base)
        if u.scheme != "http":
            raise SetupError(f"only http:// URLs are supported, got {base!r}")
        self.host = u.hostname
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")
        self.timeout = timeout
        self.local = threading.local()

    def _conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.local.conn = c
        return c

    def _drop(self):
        c = getattr(self.local, "conn", None)
        if c is not None:
            try:
                c.close()
            except Exception:
                pass
        self.local.conn = None

    def request(self, method, path, body=None, token=None, retry=False):
        """Returns (status, parsed JSON or raw text). Raises on connection errors.

        retry=True re-sends once on a connection-level error (setup only; the load phase never
        retries so that every failure is counted)."""
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            try:
                c = self._conn()
                c.request(method, self.prefix + path, body=data, headers=headers)
                r = c.getresponse()
                raw = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self._drop()
                break
            except (http.client.HTTPException, OSError):
                self._drop()
                if attempt + 1 >= attempts:
                    raise
        text = raw.decode("utf-8", "replace")
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, text


def expect(status, payload, want, what):
    if status != want:
        raise SetupError(f"{what}: HTTP {status} (want {want}): {str(payload)[:300]}")
    return payload


# --------------------------------------------------------------------------- metrics

METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset(labels)): value} from Prometheus exposition text."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = METRIC_LINE.match(line)
        if not m:
            continue
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        try:
            out[(m.group(1), labels)] = float(m.group(3))
        except ValueError:
            pass
    return out


def metric(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Metrics:
    def __init__(self, client):
        self.client = client

    def scrape(self):
        status, text = self.client.request("GET", "/metrics", retry=True)
        if status != 200 or not isinstance(text, str):
            raise SetupError(f"GET /metrics: HTTP {status}")
        return parse_metrics(text)

    def snapshot(self):
        s = self.scrape()
        return {
            "depth": metric(s, "queue_depth", type=JOB_TYPE),
            "done": metric(s, "jobs_processed_total", status="done", type=JOB_TYPE),
            "failed": metric(s, "jobs_processed_total", status="failed", type=JOB_TYPE),
            "retry": metric(s, "jobs_processed_total", status="retry", type=JOB_TYPE),
        }


# --------------------------------------------------------------------------- server process

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_binary():
    env = os.environ.get("PERSONAWORLDS_BIN")
    if env:
        return env
    for rel in (".build-release/release/personaworlds", ".build/debug/personaworlds"):
        p = os.path.join(REPO, rel)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return os.path.join(REPO, ".build/debug/personaworlds")


class Server:
    """The binary under test, on 127.0.0.1 with a temporary database."""

    def __init__(self, binary, latency, concurrency, extra_env, keep):
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise SetupError(f"binary not found or not executable: {binary} "
                             "(build it, or pass --bin / PERSONAWORLDS_BIN)")
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix="pw-queue-stress-")
        self.keep = keep
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.tmp, "server.log")
        self.proc = None
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ") if k in os.environ}
        env.update({
            "APP_ENV": "dev",
            "DATABASE_PATH": os.path.join(self.tmp, "queue-stress.sqlite"),
            "PORT": str(self.port),
            "BIND_ADDRESS": "127.0.0.1",
            "LOG_LEVEL": "warning",
            "JWT_SECRET": secrets.token_hex(32),
            "LLM_PROVIDER": "mock",
            "MOCK_LLM_LATENCY": latency,
            "WORKER_CONCURRENCY": str(concurrency),
            "WORKER_OBSERVABILITY_PORT": str(free_port()),
            "SHUTDOWN_GRACE": "3s",
        })
        env.update(extra_env)
        self.env = env

    def start(self, timeout=60.0):
        self.logf = open(self.log_path, "wb")
        # Own session: a terminal Ctrl-C reaches only us; we stop the server ourselves.
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        probe = Client(self.url, 2.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"server exited with status {self.proc.returncode} during start-up\n{self.log_tail()}")
            try:
                status, _ = probe.request("GET", "/readyz")
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise SetupError(f"server not ready after {timeout:.0f}s\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
            return "\n".join("  | " + line for line in tail)
        except OSError:
            return "  | (no server log)"

    def error_lines(self):
        """Server log lines at level error or critical."""
        out = []
        try:
            with open(self.log_path, "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    if re.search(r'"level"\s*:\s*"(error|critical)"', line, re.I):
                        out.append(line)
        except OSError:
            pass
        return out

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        if getattr(self, "logf", None):
            self.logf.close()

    def cleanup(self, keep):
        if self.keep or keep:
            log(f"server log and database kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


# --------------------------------------------------------------------------- phases

def setup_fixtures(client, n_personas, n_posts, threads):
    t0 = time.monotonic()
    email = f"queue-stress-{secrets.token_hex(6)}@example.com"
    password = secrets.token_hex(12)
    payload = expect(*client.request("POST", "/auth/signup", {"email": email, "password": password}, retry=True),
                     201, "POST /auth/signup")
    token = payload["token"]
    rooms = expect(*client.request("GET", "/rooms", token=token, retry=True), 200, "GET /rooms")["rooms"]
    if not rooms:
        raise SetupError("GET /rooms returned no rooms")
    room_ids = [r["id"] for r in rooms]

    personas = []
    for i in range(n_personas):
        body = {
            "name": f"Queue Stress {i + 1}",
            "writing_samples": ["Short and concrete.", "I ask one question at a time.", "Numbers over adjectives."],
            "preferred_language": "en",
            "daily_draft_quota": 100000,
            "daily_reply_quota": 100000,
        }
        p = expect(*client.request("POST", "/personas", body, token=token, retry=True), 201, "POST /personas")
        personas.append(p["id"])

    def make_post(i):
        persona = personas[i % len(personas)]
        room = room_ids[i % len(room_ids)]
        d = expect(*client.request("POST", f"/rooms/{room}/posts/draft", {"persona_id": persona}, token=token, retry=True),
                   201, "POST /rooms/{id}/posts/draft")
        expect(*client.request("POST", f"/posts/{d['id']}/approve", token=token, retry=True), 200, "POST /posts/{id}/approve")
        return d["id"]

    posts = []
    step = max(1, n_posts // 10)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(make_post, i) for i in range(n_posts)]
        try:
            for f in as_completed(futures):
                posts.append(f.result())
                if len(posts) % step == 0 and len(posts) < n_posts:
                    log(f"setup: {len(posts)}/{n_posts} posts published")
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    log(f"setup: user, {len(personas)} personas, {len(posts)} published posts in {time.monotonic() - t0:.1f}s")
    return token, personas, posts


class Result:
    __slots__ = ("scheduled", "sent", "latency", "status", "enqueued", "skipped", "error")

    def __init__(self, scheduled):
        self.scheduled = scheduled
        self.sent = None
        self.latency = None
        self.status = None
        self.enqueued = 0
        self.skipped = 0
        self.error = None


def run_load(client, token, posts, rate, duration, max_inflight, sampler):
    total = int(round(rate * duration))
    interval = 1.0 / rate
    results = [Result(i * interval) for i in range(total)]

    def fire(i):
        r = results[i]
        post = posts[i % len(posts)]
        start = time.monotonic()
        r.sent = start - t0
        try:
            status, payload = client.request("POST", f"/posts/{post}/generate-replies", {}, token=token)
            r.status = status
            if status == 200 and isinstance(payload, dict):
                r.enqueued = int(payload.get("enqueued", 0))
                r.skipped = int(payload.get("skipped", 0))
            elif status != 200:
                r.error = f"HTTP {status}: {str(payload)[:200]}"
        except Exception as e:  # connection refused/reset, timeout ...
            r.error = f"{type(e).__name__}: {e}"
        r.latency = time.monotonic() - start

    pool = ThreadPoolExecutor(max_workers=max_inflight, thread_name_prefix="load")
    futures = []
    t0 = time.monotonic()
    sampler.mark("load_start")
    try:
        for i in range(total):
            delay = t0 + i * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(fire, i))
        sent_done = time.monotonic()
        for f in futures:
            f.result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    end = time.monotonic()
    sampler.mark("load_end")
    return results, t0, sent_done, end


class Sampler(threading.Thread):
    """Scrapes /metrics every 250 ms in the background; remembers the peak queue depth."""

    def __init__(self, metrics, server):
        super().__init__(daemon=True, name="metrics")
        self.metrics = metrics
        self.server = server
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.peak = 0.0
        self.last = None
        self.last_at = None
        self.errors = 0
        self.marks = {}
        self.depth_at = {}

    def mark(self, name):
        with self.lock:
            self.marks[name] = time.monotonic()
            if self.last is not None:
                self.depth_at[name] = self.last["depth"]

    def run(self):
        while not self.stop_event.is_set():
            try:
                snap = self.metrics.snapshot()
                with self.lock:
                    self.last, self.last_at = snap, time.monotonic()
                    self.peak = max(self.peak, snap["depth"])
            except Exception:
                self.errors += 1
            self.stop_event.wait(POLL_EVERY)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=5)


def wait_drain(metrics, server, load_end, timeout):
    """Polls until queue_depth is 0. Returns (drain seconds or None, depth samples)."""
    deadline = load_end + timeout
    last_report = time.monotonic()
    depth = None
    while True:
        if server is not None and not server.alive():
            raise SetupError(f"server exited with status {server.proc.returncode} while draining\n{server.log_tail()}")
        now = time.monotonic()
        try:
            snap = metrics.snapshot()
            depth = snap["depth"]
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


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(math.ceil(p / 100.0 * len(sorted_values))) - 1))
    return sorted_values[k]


# --------------------------------------------------------------------------- main

def parse_duration(text):
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (e.g. 50ms, 1s)")
    return text.strip() if m.group(2) else f"{m.group(1)}ms"


def check_loopback(url):
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SetupError(f"--url must point at a loopback address (127.0.0.0/8, ::1, localhost), got {host!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Phase 3 queue stress: generate-replies at a steady rate, then time the queue drain.")
    ap.add_argument("--rate", type=float, default=50.0, help="requests per second (default 50)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--posts", type=int, default=None, help="published posts to create (default rate*duration: one per request)")
    ap.add_argument("--personas", type=int, default=3, help="personas; each request enqueues one job per persona (default 3)")
    ap.add_argument("--latency", type=parse_duration, default="50ms", help="MOCK_LLM_LATENCY of the started server (default 50ms)")
    ap.add_argument("--concurrency", type=int, default=4, help="WORKER_CONCURRENCY of the started server (default 4)")
    ap.add_argument("--bin", default=None, help="server binary (default $PERSONAWORLDS_BIN, else .build-release/release/"
                                                "personaworlds if present, else .build/debug/personaworlds)")
    ap.add_argument("--url", default=None, help="use this running server (loopback only) instead of starting one")
    ap.add_argument("--drain-timeout", type=float, default=120.0, help="seconds to wait for the queue to drain (default 120)")
    ap.add_argument("--max-error-rate", type=float, default=1.0, help="FAIL above this error percentage (default 1)")
    ap.add_argument("--max-inflight", type=int, default=None, help="load threads, i.e. max concurrent requests (default max(64, 4*rate))")
    ap.add_argument("--setup-threads", type=int, default=16, help="parallel requests while creating posts (default 16)")
    ap.add_argument("--request-timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE", help="extra env for the started server (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log) even on PASS")
    ap.add_argument("--json", default=None, metavar="FILE", help="also write the figures as JSON to FILE")
    ap.add_argument("--setup-only", default=None, metavar="DIR",
                    help="with --url: only create the user/personas/posts and write DIR/token.txt and DIR/post_ids.txt "
                         "(fixtures for the vegeta and k6 scripts), then exit")
    args = ap.parse_args(argv)

    if args.rate <= 0 or args.duration <= 0:
        ap.error("--rate and --duration must be positive")
    total = int(round(args.rate * args.duration))
    if total < 1:
        ap.error("rate*duration must be at least 1 request")
    n_posts = args.posts if args.posts is not None else total
    if n_posts < 1:
        ap.error("--posts must be positive")
    max_inflight = args.max_inflight or max(64, int(args.rate * 4))
    extra_env = {}
    for kv in args.server_env:
        if "=" not in kv:
            ap.error(f"--server-env wants KEY=VALUE, got {kv!r}")
        k, v = kv.split("=", 1)
        extra_env[k] = v

    if args.setup_only and not args.url:
        ap.error("--setup-only needs --url (a server that keeps running after this script)")

    server = None
    passed = False
    interrupted = False

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_sigterm)

    try:
        if args.url:
            check_loopback(args.url)
            base = args.url.rstrip("/")
            log(f"target: {base} (already running; --latency/--concurrency/--bin ignored)")
        else:
            binary = os.path.abspath(args.bin or default_binary())
            server = Server(binary, args.latency, args.concurrency, extra_env, args.keep)
            server.start()
            base = server.url
            log(f"target: {base} ({binary}, MOCK_LLM_LATENCY={args.latency}, WORKER_CONCURRENCY={args.concurrency})")

        client = Client(base, args.request_timeout)
        metrics = Metrics(client)

        token, personas, posts = setup_fixtures(client, args.personas, n_posts, args.setup_threads)
        if args.setup_only:
            os.makedirs(args.setup_only, exist_ok=True)
            with open(os.path.join(args.setup_only, "token.txt"), "w") as f:
                f.write(token + "\n")
            with open(os.path.join(args.setup_only, "post_ids.txt"), "w") as f:
                f.write("".join(p + "\n" for p in posts))
            log(f"fixtures written: {args.setup_only}/token.txt, {args.setup_only}/post_ids.txt ({len(posts)} posts)")
            passed = True
            return 0
        if n_posts < total:
            log(f"warning: {n_posts} posts for {total} requests; repeats only yield skipped")

        baseline = metrics.snapshot()
        if baseline["depth"] != 0:
            log(f"warning: queue_depth is {baseline['depth']:.0f} before the load (other work on this server)")
        sampler = Sampler(Metrics(Client(base, 5.0)), server)
        sampler.start()

        log(f"load: {total} requests at {args.rate:g}/s for {args.duration:g}s, "
            f"{len(personas)} personas per request, up to {max_inflight} in flight")
        results, t0, sent_done, load_end = run_load(client, token, posts, args.rate, args.duration, max_inflight, sampler)
        log(f"load: done in {load_end - t0:.1f}s; waiting for the queue to drain (timeout {args.drain_timeout:g}s)")

        depth_at_end = sampler.depth_at.get("load_end")
        drain, last_depth = wait_drain(metrics, server, load_end, args.drain_timeout)
        sampler.stop()

        enqueued = sum(r.enqueued for r in results)
        skipped = sum(r.skipped for r in results)
        # The done counter is bumped just after the row turns DONE: give it a moment to catch up.
        final = metrics.snapshot()
        if drain is not None:
            settle = time.monotonic() + 5
            while final["done"] - baseline["done"] < enqueued and time.monotonic() < settle:
                time.sleep(POLL_EVERY)
                final = metrics.snapshot()
        done = int(final["done"] - baseline["done"])
        failed = int(final["failed"] - baseline["failed"])
        retried = int(final["retry"] - baseline["retry"])

        # ---- figures
        count = len(results)
        errors = [r for r in results if r.status != 200]
        error_rate = 100.0 * len(errors) / count
        lat = sorted(r.latency * 1000 for r in results if r.latency is not None)
        ok_lat = sorted(r.latency * 1000 for r in results if r.status == 200)
        send_window = max(sent_done - t0, 1e-9)
        achieved = (count - 1) / send_window if count > 1 else float(count)
        throughput = (count - len(errors)) / max(load_end - t0, 1e-9)
        lag = sorted((r.sent - r.scheduled) * 1000 for r in results if r.sent is not None)
        codes = {}
        for r in results:
            key = str(r.status) if r.status is not None else "exception"
            codes[key] = codes.get(key, 0) + 1

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

        def ms(v):
            return f"{v:.1f}"
        print()
        log(f"target             {base}" + ("" if server is None else
            f"  (MOCK_LLM_LATENCY={args.latency}, WORKER_CONCURRENCY={args.concurrency})"))
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
                    "mock_llm_latency": None if server is None else args.latency,
                    "worker_concurrency": None if server is None else args.concurrency,
                }, f, indent=2)
        return 0 if passed else 1
    except KeyboardInterrupt:
        interrupted = True
        print()
        log("interrupted")
        return 130
    except SetupError as e:
        log(f"error: {e}")
        log("FAIL")
        return 2
    finally:
        if server is not None:
            server.stop()
            server.cleanup(keep=not passed and not interrupted)


if __name__ == "__main__":
    sys.exit(main())
