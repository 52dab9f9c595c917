"""Open-loop constant-throughput load generator.

Each Stream is one endpoint at its own rate; request i of a stream is due at
offset + i / rate seconds after the start. One dispatcher thread walks the merged schedule and
hands each request to a thread pool at its due time, so a slow response never delays the next
request (open loop, like vegeta and k6's constant-arrival-rate): when the server slows down, the
offered rate stays the same and the latency shows it. If every pool thread is busy a request
waits in the pool's queue; that delay shows up as send lag (actual minus scheduled send), which
is how an overloaded generator is told apart from a slow server.
"""

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

