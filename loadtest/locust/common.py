"""Shared by the locustfiles: the fixtures, an open-loop schedule, and the figures locust's own
statistics do not keep.

- Fixtures: `--fixtures DIR` names the directory `run.py <scenario>` writes (`--setup-only DIR`
  writes the same files), one value per line.
- Open loop: locust's users are a closed loop (each waits for its response). OpenLoop turns them
  into a pool that sends each endpoint's requests at a constant rate, request i due at
  t0 + offset + i / rate, whichever user is free taking the next due request, so a slow response
  does not delay the next request while a user is free (vegeta's and k6's constant-arrival-rate).
  The schedule is finite; after its last response locust quits. How late requests left (send lag)
  tells an overloaded generator or too small a pool from a slow server.
- Figures for run.py that locust's --json-file lacks: its failure messages, numbers a scenario
  reads from response bodies, when the last response arrived, the send lag and the send window;
  `--report FILE` (run.py sets it) writes them as JSON when the test stops.
"""

import json
import math
import os
import time

import gevent
from locust import events

LONG_WAIT = 3600.0  # a user with nothing left to send waits here until locust quits


@events.init_command_line_parser.add_listener
def _common_options(parser):
    parser.add_argument("--fixtures", default="", help="directory of fixture files (run.py ... --setup-only DIR)")
    parser.add_argument("--report", default="", help="write failure messages, body figures and send lag to this JSON file")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds to connect and for each response")


@events.test_start.add_listener
def _timeouts(environment, **kw):
    for cls in environment.user_classes:
        cls.network_timeout = cls.connection_timeout = environment.parsed_options.request_timeout


def fixture_lines(environment, name):
    """The lines of DIR/name, DIR from --fixtures."""
    folder = environment.parsed_options.fixtures
    if not folder:
        raise SystemExit("--fixtures DIR is required (make DIR with: python3 loadtest/run.py <scenario> --url URL --setup-only DIR)")
    with open(os.path.join(folder, name)) as f:
        return [line.strip() for line in f if line.strip()]


class Recorder:
    """Sums and counts of numbers a scenario reads from bodies (`add`), and when the last response
    arrived (locust's request event)."""

    def __init__(self):
        self.figures = {}
        self.last_response = None

    def on_request(self, **kw):
        self.last_response = time.time()

    def add(self, key, value):
        total, count = self.figures.get(key, (0, 0))
        self.figures[key] = (total + value, count + 1)


RECORDER = Recorder()
events.request.add_listener(RECORDER.on_request)


class OpenLoop:
    """The merged schedule of several endpoints: streams is [(name, rate, count)]. Users call
    `next_wait(user)` as their wait_time and `send(user, fn)` as their task."""

    def __init__(self, streams):
        n = len(streams)
        # Phases staggered so endpoints do not fire at the same instants (200/s and 100/s would
        # otherwise coincide every 10 ms).
        self.due = sorted((k / n / rate + i / rate, name, i) for k, (name, rate, count) in enumerate(streams)
                          for i in range(count))
        self.next = 0
        self.t0 = None
        self.completed = 0
        self.lag_ms = []
        self.sends = {}  # name -> [first send, last send, count] (seconds after t0)

    def start(self):
        self.t0 = time.monotonic()

    def next_wait(self, user):
        """Reserves the next due request for this user; returns how long to wait for it (polling
        until the schedule has started)."""
        now = time.monotonic()
        if self.t0 is None:
            user.slot = None
            return 0.05
        if self.next >= len(self.due):
            user.slot = None
            return LONG_WAIT
        user.slot = self.due[self.next]
        self.next += 1
        return max(0.0, self.t0 + user.slot[0] - now)

    def send(self, user, fn):
        """Sends the user's reserved request: fn(name, i). After the schedule's last response, quits."""
        slot = getattr(user, "slot", None)
        if slot is None:
            return  # the first task runs before any wait: nothing reserved yet
        user.slot = None
        due, name, i = slot
        sent = time.monotonic() - self.t0
        self.lag_ms.append(max(0.0, sent - due) * 1000)
        s = self.sends.setdefault(name, [sent, sent, 0])
        s[1], s[2] = sent, s[2] + 1
        try:
            fn(name, i)
        finally:
            self.completed += 1
            if self.completed == len(self.due):
                gevent.spawn(user.environment.runner.quit)


SCHEDULE = None  # the scenario's OpenLoop, if it has one


def set_schedule(schedule):
    global SCHEDULE
    SCHEDULE = schedule


WARMED_UP = [0]


def warm_up(user):
    """on_start of an open-loop user: its first request opens its connection. The schedule starts
    (and locust's statistics and ours are reset) once every user has done it, so a few hundred
    connects at once do not show up as the first second's latency and send lag."""
    user.client.get("/healthz", name="warm-up")
    WARMED_UP[0] += 1
    if WARMED_UP[0] == user.environment.runner.target_user_count and SCHEDULE is not None:
        user.environment.stats.reset_all()
        RECORDER.__init__()
        SCHEDULE.start()


@events.test_stop.add_listener
def _write_report(environment, **kw):
    path = environment.parsed_options.report
    if not path:
        return
    errors = {}
    for e in environment.stats.errors.values():
        errors.setdefault(e.name, []).append(f"{e.error} (x{e.occurrences})")
    out = {"errors": errors, "figures": {k: {"sum": s, "count": c} for k, (s, c) in RECORDER.figures.items()},
           "last_response_unix": RECORDER.last_response}
    if SCHEDULE is not None:
        lag = sorted(SCHEDULE.lag_ms)
        rank = lambda p: lag[max(0, math.ceil(p / 100 * len(lag)) - 1)] if lag else None  # noqa: E731 (nearest rank)
        out["send_lag_ms"] = {"p50": rank(50), "p99": rank(99), "max": rank(100)}
        out["sends"] = SCHEDULE.sends
        out["scheduled"] = len(SCHEDULE.due)
    with open(path, "w") as f:
        json.dump(out, f)
