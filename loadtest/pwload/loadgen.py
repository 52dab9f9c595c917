"""Load generators: open-loop constant throughput (Stream, run_load) and closed-loop virtual
users (Step, run_users, at the end of this file).

Each Stream is one endpoint at its own rate; request i of a stream is due at
offset + i / rate seconds after the start. One dispatcher thread walks the merged schedule and
hands each request to a thread pool at its due time, so a slow response never delays the next
request (open loop, like vegeta and k6's constant-arrival-rate): when the server slows down, the
offered rate stays the same and the latency shows it. If every pool thread is busy a request
waits in the pool's queue; that delay shows up as send lag (actual minus scheduled send), which
is how an overloaded generator is told apart from a slow server.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .client import TRANSPORT_ERRORS


def default_check(status, info):
    """2xx and 304 are successes; everything else is an error."""
    if 200 <= status < 300 or status == 304:
        return None
    return f"HTTP {status}: {str(info)[:200]}"


class Stream:
    """name: report label; rate: requests/s; count: how many; fire(i) -> (status, info) sends
    request i (info is whatever the scenario wants to keep, e.g. the parsed body); check(status,
    info) -> error text or None decides what counts as an error."""

    def __init__(self, name, rate, count, fire, check=default_check, offset=0.0):
        self.name = name
        self.rate = rate
        self.count = count
        self.fire = fire
        self.check = check
        self.offset = offset


class Result:
    __slots__ = ("stream", "index", "scheduled", "sent", "latency", "status", "info", "error")

    def __init__(self, stream, index, scheduled):
        self.stream = stream
        self.index = index
        self.scheduled = scheduled  # seconds after t0
        self.sent = None            # seconds after t0, when a pool thread actually started it
        self.latency = None         # seconds, send to whole response read
        self.status = None          # HTTP status, None on a transport error
        self.info = None
        self.error = None           # None = success


class Run:
    """Outcome of run_load: per-stream results plus the time marks (time.monotonic())."""

    def __init__(self, results, t0, sent_done, end):
        self.results = results        # {stream name: [Result]} in schedule order
        self.t0 = t0                  # start of the schedule
        self.sent_done = sent_done    # the dispatcher handed over the last request
        self.end = end                # the last response arrived

    def all(self):
        return [r for rs in self.results.values() for r in rs]


def stagger(streams):
    """Spreads the streams' phases so their requests do not all fall on the same instants
    (200/s and 100/s would otherwise coincide every 10 ms)."""
    n = len(streams)
    for k, s in enumerate(streams):
        s.offset = (k / n) / s.rate
    return streams


def run_load(streams, max_inflight, on_start=None, on_end=None):
    """Sends every stream's requests on schedule; returns a Run once all responses are in.

    on_start/on_end are called right at the start of the schedule and after the last response
    (e.g. to mark the metrics sampler)."""
    schedule = []
    results = {}
    for s in streams:
        interval = 1.0 / s.rate
        rs = [Result(s.name, i, s.offset + i * interval) for i in range(s.count)]
        results[s.name] = rs
        schedule.extend((r.scheduled, s, r) for r in rs)
    schedule.sort(key=lambda e: e[0])

    t0_box = []

    def fire(stream, r):
        start = time.monotonic()
        r.sent = start - t0_box[0]
        try:
            status, info = stream.fire(r.index)
            r.status, r.info = status, info
            r.error = stream.check(status, info)
        except TRANSPORT_ERRORS as e:  # connection refused/reset, timeout ...
            r.error = f"{type(e).__name__}: {e}"
        except Exception as e:  # a bug in a scenario's fire(): count it, never lose it
            r.error = f"{type(e).__name__}: {e}"
        r.latency = time.monotonic() - start

    pool = ThreadPoolExecutor(max_workers=max_inflight, thread_name_prefix="load")
    futures = []
    t0 = time.monotonic()
    t0_box.append(t0)
    if on_start:
        on_start()
    try:
        for due, stream, r in schedule:
            delay = t0 + due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(fire, stream, r))
        sent_done = time.monotonic()
        for f in futures:
            f.result()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    end = time.monotonic()
    if on_end:
        on_end()
    return Run(results, t0, sent_done, end)



# --------------------------------------------------------------------------- closed loop
# Virtual users: each user is one thread that sends its steps in turn, waits for each response,
# then thinks for a while before the next one (k6's constant-vus). The load follows the server:
# when it slows down, fewer requests are sent, so latency and requests/s have to be read together.
# This models a fixed population of logged-in users; the open loop above models arrivals from
# outside (shared links), where a slow server does not slow the visitors down.

class Step:
    """One request of a user's loop. fire(user, i) -> (status, info) sends it (user is whatever
    the scenario made for that virtual user, i the step's count for that user so far); check as
    in Stream."""

    def __init__(self, name, fire, check=default_check):
        self.name = name
        self.fire = fire
        self.check = check


def run_users(users, steps, duration, think, jitter=0.5, seed=None, on_start=None, on_end=None):
    """Runs one thread per entry of `users` for `duration` seconds; returns a Run whose results are
    grouped by step name (in send order) and whose sent_done is when the last user stopped.

    Each user repeats `steps` in order; after every response it sleeps `think` seconds, drawn
    uniformly from [think*(1-jitter), think*(1+jitter)] so that the users do not fall into lockstep.
    Users start spread over the first think interval (up to 1 s) for the same reason. A request
    is only started before the deadline; one in flight then completes (bounded by the client's
    timeout), so the run ends at most one request timeout after `duration`."""
    n = len(users)
    per_user = [[] for _ in range(n)]
    t0_box = []
    start_gate = threading.Event()
    # Set by the main thread on Ctrl-C/SIGTERM: users stop after their current request.
    stop = threading.Event()

    def loop(k):
        rng = random.Random(None if seed is None else seed * 100003 + k)
        out = per_user[k]
        counts = {}
        start_gate.wait()
        t0 = t0_box[0]
        deadline = t0 + duration
        if n > 1:
            stop.wait(min(think if think > 0 else 0.1, 1.0) * k / n)
        while not stop.is_set():
            for step in steps:
                now = time.monotonic()
                if now >= deadline or stop.is_set():
                    return
                i = counts.get(step.name, 0)
                counts[step.name] = i + 1
                r = Result(step.name, i, now - t0)
                r.sent = r.scheduled  # closed loop: no schedule to lag behind
                try:
                    status, info = step.fire(users[k], i)
                    r.status, r.info = status, info
                    r.error = step.check(status, info)
                except TRANSPORT_ERRORS as e:
                    r.error = f"{type(e).__name__}: {e}"
                except Exception as e:  # a bug in a scenario's fire(): count it, never lose it
                    r.error = f"{type(e).__name__}: {e}"
                r.latency = time.monotonic() - now
                out.append(r)
                if think > 0:
                    pause = think * (1 + jitter * (2 * rng.random() - 1))
                    if stop.wait(max(0.0, min(pause, deadline - time.monotonic()))):
                        return

    threads = [threading.Thread(target=loop, args=(k,), daemon=True, name=f"vu-{k + 1}") for k in range(n)]
    for t in threads:
        t.start()
    t0 = time.monotonic()
    t0_box.append(t0)
    if on_start:
        on_start()
    start_gate.set()
    try:
        for t in threads:
            # join with a timeout keeps the main thread responsive to KeyboardInterrupt.
            while t.is_alive():
                t.join(0.2)
    except BaseException:
        stop.set()
        raise
    end = time.monotonic()
    if on_end:
        on_end()
    results = {s.name: [] for s in steps}
    for rs in per_user:
        for r in rs:
            results[r.stream].append(r)
    for rs in results.values():
        rs.sort(key=lambda r: r.sent)
    return Run(results, t0, end, end)
