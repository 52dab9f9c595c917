"""The pass/fail rules and report lines the scenarios share."""

import json
import os

from .core import EXIT_FAIL, EXIT_PASS, log
from .locust import ms


def judge_endpoints(per, overall, max_error_rate, max_p95, offered=None, scheduled=None, min_rate_ratio=None):
    """Failures of each endpoint and overall: no requests, error rate >= max_error_rate (%),
    p95 >= max_p95 (ms); for an open loop (offered, scheduled: {name: ...} with "overall") also
    fewer requests than scheduled and an achieved rate below min_rate_ratio x offered."""
    fails = []
    for name, f in list(per.items()) + [("overall", overall)]:
        if f["requests"] == 0:
            fails.append(f"{name}: no requests completed")
            continue
        if f["error_rate_pct"] >= max_error_rate:
            fails.append(f"{name}: error rate {f['error_rate_pct']:.2f}% >= {max_error_rate:g}%")
        if not f["latency_ms"]["p95"] < max_p95:
            fails.append(f"{name}: p95 {ms(f['latency_ms']['p95'])} ms >= {max_p95:g} ms")
        if scheduled is not None and f["requests"] < scheduled[name]:
            fails.append(f"{name}: {f['requests']} of {scheduled[name]} scheduled requests sent (locust stopped early)")
        elif offered is not None and f["requests"] >= 10 and f["achieved_rate"] < min_rate_ratio * offered[name]:
            fails.append(f"{name}: achieved {f['achieved_rate']:.1f} req/s < {min_rate_ratio:g} x offered "
                         f"{offered[name]:g} (load generator fell behind; see send lag)")
    return fails


def endpoint_table(per, overall, offered=None):
    """Open loop (offered given): offered and achieved rates; closed loop: requests per second."""
    rates = f"{'offered':>8} {'achieved':>9}" if offered else f"{'req/s':>8}"
    log(f"{'endpoint':<24} {rates} {'requests':>9} {'errors':>14} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, f in list(per.items()) + [("overall", overall)]:
        lat = f["latency_ms"]
        errs = f"{f['errors']} ({f['error_rate_pct']:.2f}%)"
        rate = f"{offered[name]:>6g}/s {f.get('achieved_rate', 0.0):>7.1f}/s" if offered else f"{f['rps']:>8.1f}"
        log(f"{name:<24} {rate} {f['requests']:>9} {errs:>14} "
            f"{ms(lat['p50']):>8} {ms(lat['p95']):>8} {ms(lat['p99']):>8} {ms(lat['max']):>8}")


def server_lines(server, result):
    """Peak RSS and CPU of a started server and the generator's CPU (they share this machine),
    and the server's error log lines."""
    if server is None:
        log(f"generator          locust: CPU {result.generator_cpu:.2f} cores (of {os.cpu_count()})")
        return
    err_lines = server.error_lines()
    cpu = "n/a" if result.server_cpu is None else f"{result.server_cpu:.2f}"
    log(f"server             RSS peak {(result.rss_peak_kib or 0) / 1024:.0f} MiB; CPU {cpu} cores "
        f"(generator {result.generator_cpu:.2f}, of {os.cpu_count()}); {len(err_lines)} error lines in the log")
    for line in err_lines[:5]:
        log(f"  | {line[:300]}")


def machine_figures(server, result):
    """The JSON report's share of server_lines."""
    return {"server_rss_peak_kib": result.rss_peak_kib, "server_cpu_cores": result.server_cpu,
            "generator_cpu_cores": result.generator_cpu, "cpu_count": os.cpu_count(),
            "server_error_lines": None if server is None else len(server.error_lines())}


def error_samples(per):
    for name, f in per.items():
        for sample in f["error_samples"]:
            log(f"  error sample ({name}): {sample}")


def verdict(fails, server, json_path=None, figures=None):
    """Prints the failures and PASS/FAIL, writes figures to json_path (error samples left out);
    returns the exit status."""
    if server is not None and not server.alive():
        fails.append("server exited")
    passed = not fails
    for f in fails:
        log(f"failure: {f}")
    log("PASS" if passed else "FAIL")
    if json_path:
        def clean(v):
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items() if k != "error_samples"}
            return v
        with open(json_path, "w") as out:
            json.dump(clean(dict(figures or {}, **{"pass": passed, "failures": fails})), out, indent=2)
    return EXIT_PASS if passed else EXIT_FAIL
