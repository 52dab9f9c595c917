"""Reads wrk's --latency report: the benchmark scripts' one parser (scripts/bench.sh, bench-postgres.sh, bench-compare.sh)."""
import re


def latency_ms(text, percentile):
    """The percentile's latency in milliseconds, from the 'Latency Distribution' block."""
    m = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)", text, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v


def parse(path):
    """(requests/s, p50 ms, p99 ms, non-2xx/3xx responses) of one wrk run's output file."""
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rps, latency_ms(text, 50), latency_ms(text, 99), int(errors.group(1)) if errors else 0
