"""Prometheus text parsing and a background /metrics sampler."""

import re
import threading
import time

from .core import SetupError

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
    """One series' value (0 when absent: counters only appear once incremented)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def metric_sum(samples, name, **labels):
    """Sum over every series of `name` whose labels include `labels` (e.g. all scopes of one
    rate-limit endpoint)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


class Metrics:
    def __init__(self, client):
        self.client = client

    def scrape(self):
        status, text = self.client.request("GET", "/metrics", retry=True)
        if status != 200 or not isinstance(text, str):
            raise SetupError(f"GET /metrics: HTTP {status}")
        return parse_metrics(text)


class Sampler(threading.Thread):
    """Calls snapshot() (a dict) every `every` seconds in the background and remembers the peak of
    `key` and its history as (unix time, value), e.g. to read it at the moment the load ended."""

    def __init__(self, snapshot, key, every=0.25):
        super().__init__(daemon=True, name="metrics")
        self.snapshot = snapshot
        self.key = key
        self.every = every
        self.stop_event = threading.Event()
        self.peak = 0.0
        self.history = []
        self.errors = 0

    def value_at(self, unix_time):
        """The first value sampled at or after unix_time (else the last one), or None."""
        for t, v in self.history:
            if t >= unix_time:
                return v
        return self.history[-1][1] if self.history else None

    def run(self):
        while not self.stop_event.is_set():
            try:
                value = self.snapshot()[self.key]
                self.history.append((time.time(), value))
                self.peak = max(self.peak, value)
            except Exception:
                self.errors += 1
            self.stop_event.wait(self.every)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=5)
