"""Shared basics: errors, logging with a per-scenario prefix, exit codes, parsers."""

import argparse
import ipaddress
import re
import urllib.parse

# Exit codes shared by every scenario (make targets and CI rely on them).
EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_SETUP = 2
EXIT_INTERRUPTED = 130


class SetupError(Exception):
    """The test could not be run (bad binary, server did not start, fixture request failed):
    reported as exit status 2, distinct from a measured FAIL."""


_prefix = "loadtest:"


def set_prefix(prefix):
    """Every report line starts with the scenario's prefix (e.g. `loadtest-queue:`), so the lines
    of one run can be grepped out of a CI log."""
    global _prefix
    _prefix = prefix


def log(msg=""):
    print(f"{_prefix} {msg}" if msg else "", flush=True)


def parse_duration(text):
    """Go-style duration for the server's environment; a bare number means milliseconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"bad duration {text!r} (e.g. 50ms, 1s)")
    return text.strip() if m.group(2) else f"{m.group(1)}ms"


def check_loopback(url):
    """Load is only ever sent to this machine: refuse anything but loopback addresses."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SetupError(f"--url must point at a loopback address (127.0.0.0/8, ::1, localhost), got {host!r}")
