"""Latency percentiles and per-endpoint summaries of a load run."""

import math


def percentile(sorted_values, p):
    """Nearest-rank percentile of an ascending list (the value of a real request, never an
    interpolation between two)."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(math.ceil(p / 100.0 * len(sorted_values))) - 1))
    return sorted_values[k]


def status_codes(results):
    codes = {}
    for r in results:
        key = str(r.status) if r.status is not None else "exception"
        codes[key] = codes.get(key, 0) + 1
    return codes


def summarize(results, t0, end):
    """Figures of one endpoint (or of all, when given every result), latencies in ms.

    achieved_rate: requests actually started per second between the first and the last actual
      send; below the offered rate only when the generator (not the server) fell behind.
    throughput: successful responses per second from the start to the last response."""
    count = len(results)
    errors = [r for r in results if r.error is not None]
    lat = sorted(r.latency * 1000 for r in results if r.latency is not None)
    lag = sorted((r.sent - r.scheduled) * 1000 for r in results if r.sent is not None)
    sent = sorted(r.sent for r in results if r.sent is not None)
    achieved = (len(sent) - 1) / max(sent[-1] - sent[0], 1e-9) if len(sent) > 1 else float(len(sent))
    return {
        "requests": count,
        "errors": len(errors),
        "error_rate_pct": 100.0 * len(errors) / count if count else 0.0,
        "status_codes": status_codes(results),
        "achieved_rate": achieved,
        "throughput": (count - len(errors)) / max(end - t0, 1e-9),
        "latency_ms": {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "p99": percentile(lat, 99),
                       "max": lat[-1] if lat else None},
        "send_lag_ms": {"p50": percentile(lag, 50), "p99": percentile(lag, 99), "max": lag[-1] if lag else None},
        "error_samples": [f"t={r.scheduled:.2f}s {r.error}" for r in errors[:5]],
    }


def ms(v):
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.1f}"
