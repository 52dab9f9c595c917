"""Runs a scenario's locustfile (loadtest/locust/<scenario>.py) headless and reads its figures back.

Locust sends the load and keeps the latency statistics; this side writes the fixtures it reads
(--fixtures DIR) and turns what it reports (--json-file: per endpoint counts, failures and a
histogram of response times, written when locust quits; the locustfile's --report: failure
messages, body figures, the schedule's sends and send lag) into the per-endpoint figures the
scenarios judge. Locust runs as its own process, so its CPU use is measured apart from the
server's.
"""

import importlib.util
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time

from .core import SetupError, log
from .metrics import Sampler
from .server import REPO

LOCUSTFILES = os.path.join(REPO, "loadtest", "locust")


def locust_command():
    exe = shutil.which("locust")
    if exe:
        return [exe]
    # origin None: only loadtest/locust/ (the locustfiles' folder, on our path) was found.
    spec = importlib.util.find_spec("locust")
    if spec is not None and spec.origin is not None:
        return [sys.executable, "-m", "locust"]
    raise SetupError("locust is not installed: python3 -m pip install locust (see loadtest/README.md)")


def write_fixtures(folder, files):
    """files: {name: [line, ...]}, the format the locustfiles read and --setup-only writes."""
    os.makedirs(folder, exist_ok=True)
    for name, lines in files.items():
        with open(os.path.join(folder, name), "w") as f:
            f.write("".join(f"{line}\n" for line in lines))


class Result:
    """entries: locust's stats per endpoint; extra: the locustfile's report; wall and generator_cpu
    (cores) of the locust process; server_cpu (cores) and rss_peak_kib of a server the runner
    started (else None)."""

    def __init__(self, entries, extra, wall, generator_cpu):
        self.entries = entries
        self.extra = extra
        self.wall = wall
        self.generator_cpu = generator_cpu
        self.server_cpu = None
        self.rss_peak_kib = None

    def elapsed(self):
        """Seconds from the start of locust's statistics to the last response."""
        used = [e for e in self.entries.values() if e["num_requests"]]
        if not used:
            return 1e-9
        return max(max(e["last_request_timestamp"] for e in used) - min(e["start_time"] for e in used), 1e-9)


def run(ctx, scenario, files, users, run_time, options):
    """Writes the fixtures; with --setup-only to that folder only, and returns None. Otherwise runs
    loadtest/locust/<scenario>.py headless with -u users for at most run_time seconds (options:
    the locustfile's own flags), measuring a started server alongside. A locust failure (not a
    measured one) raises SetupError."""
    if ctx.args.setup_only:
        write_fixtures(ctx.args.setup_only, files)
        log(f"fixtures written to {ctx.args.setup_only}: "
            + ", ".join(f"{name} ({len(lines)})" for name, lines in files.items()))
        return None
    fixtures_dir = os.path.join(ctx.work, "fixtures")
    write_fixtures(fixtures_dir, files)
    server, timeout = ctx.server, ctx.args.request_timeout
    stats_prefix = os.path.join(ctx.work, f"locust-{scenario}")
    report = stats_prefix + "-report.json"
    log_path = stats_prefix + ".log"
    cmd = locust_command() + [
        "-f", os.path.join(LOCUSTFILES, f"{scenario}.py"), "--headless", "--host", ctx.base,
        "-u", str(users), "-r", str(users), "-t", f"{math.ceil(run_time)}s",
        "--stop-timeout", str(math.ceil(timeout)), "--only-summary", "--loglevel", "WARNING",
        "--exit-code-on-error", "0", "--json-file", stats_prefix, "--fixtures", fixtures_dir, "--report", report,
        "--request-timeout", str(timeout),
        *options]
    rss = None
    if server is not None:
        rss = Sampler(lambda: {"rss": server.rss_kib() or 0}, "rss", 1.0)
        rss.start()
    srv_t0 = server.cpu_seconds() if server is not None else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            rc = proc.wait()
        except BaseException:
            proc.terminate()
            proc.wait()
            raise
        finally:
            if rss is not None:
                rss.stop()
    wall = max(time.monotonic() - t0, 1e-9)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    srv_t1 = server.cpu_seconds() if server is not None else None
    try:
        with open(stats_prefix + ".json") as f:
            entries = {e["name"]: e for e in json.load(f)}
        with open(report) as f:
            extra = json.load(f)
    except (OSError, ValueError):
        entries = None
    if rc != 0 or entries is None:
        with open(log_path, "rb") as f:
            tail = f.read().decode("utf-8", "replace").splitlines()[-20:]
        raise SetupError(f"locust exited with status {rc}" + "".join(f"\n  | {line}" for line in tail))
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall
    result = Result(entries, extra, wall, cpu)
    if srv_t0 is not None and srv_t1 is not None:
        result.server_cpu = (srv_t1 - srv_t0) / wall
    if rss is not None:
        result.rss_peak_kib = rss.peak
    return result


# --------------------------------------------------------------------------- figures

def figures(result, names, sends=None):
    """Figures of the endpoints `names` together; latencies in ms, nearest rank over locust's
    histogram (it rounds to 1 ms below 100 ms, to 10 ms below 1 s, then to 100 ms; the max is
    exact). sends: [[first, last, count]] of the open-loop schedule, for the achieved rate."""
    used = [result.entries[n] for n in names if n in result.entries]
    hist = sorted((float(ms), count) for e in used for ms, count in e["response_times"].items())
    requests, errors = sum(e["num_requests"] for e in used), sum(e["num_failures"] for e in used)

    def pct(p):
        rank, seen = max(1, math.ceil(p / 100.0 * requests)), 0
        for ms, count in hist:
            seen += count
            if seen >= rank:
                return ms
        return float("nan")

    elapsed = result.elapsed()
    errs = result.extra.get("errors", {})
    out = {
        "requests": requests, "errors": errors,
        "error_rate_pct": 100.0 * errors / requests if requests else 0.0,
        "rps": requests / elapsed, "throughput": (requests - errors) / elapsed,
        "latency_ms": {"p50": pct(50), "p95": pct(95), "p99": pct(99),
                       "max": max((e["max_response_time"] for e in used if e["num_requests"]), default=None)},
        "error_samples": [sample for n in names for sample in errs.get(n, [])][:5],
    }
    if sends:
        first, last, count = min(s[0] for s in sends), max(s[1] for s in sends), sum(s[2] for s in sends)
        out["achieved_rate"] = (count - 1) / max(last - first, 1e-9) if count > 1 else float(count)
    return out


def per_endpoint(result, names):
    """{name: figures} for each endpoint, plus the figures of all of them."""
    sends = result.extra.get("sends", {})
    per = {n: figures(result, [n], [sends[n]] if n in sends else None) for n in names}
    return per, figures(result, names, [sends[n] for n in names if n in sends] or None)


def send_lag(result):
    return result.extra.get("send_lag_ms") or {"p50": None, "p99": None, "max": None}


def figure_mean(result, key):
    f = result.extra.get("figures", {}).get(key)
    return f["sum"] / f["count"] if f and f["count"] else float("nan")


def figure_sum(result, key):
    f = result.extra.get("figures", {}).get(key)
    return int(f["sum"]) if f else 0


def ms(v):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}"

