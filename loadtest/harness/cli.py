"""The shared command line: python3 loadtest/run.py <scenario> [flags].

The harness owns what every scenario needs the same way: common flags, SIGTERM handling, starting
and stopping the server (or checking --url is loopback), turning errors into exit codes. Locust
sends the load (loadtest/locust/<scenario>.py, run by harness/locust.py). A scenario module
provides:

  PREFIX, DESCRIPTION        report prefix (`loadtest-queue:`) and one-line help
  DEFAULT_DURATION           seconds of load when --duration is not given
  URL_IGNORED                flags that only apply to a server the runner starts (for the --url note)
  add_arguments(ap)          its own flags
  validate(args, ap)         argument checks (ap.error exits with status 2)
  server_env(args)           environment for the started server
  MAX_INFLIGHT_HELP          the --max-inflight default (locust users), for --help
  SETUP_ONLY_FILES           what --setup-only writes, for --help
  describe_server(args, env) the settings worth showing on the `target:` line (env: the server's)
  before_serve(server, args) optional: runs before `serve` (e.g. `seed --demo` on the same database)
  run(ctx)                   setup, load, report; returns EXIT_PASS or EXIT_FAIL
"""

import argparse
import importlib
import os
import shutil
import signal
import sys
import tempfile
import traceback

from .client import Client
from .locust import locust_command
from .core import EXIT_INTERRUPTED, EXIT_PASS, EXIT_SETUP, SetupError, check_loopback, log, set_prefix
from .server import Server, default_binary

# Scale-plan phases in order.
SCENARIOS = {
    "public": "phase 1: public read baseline (/p/{slug}, /templates, /b/{id}/card.png)",
    "mixed": "phase 2: authenticated mixed traffic (50 virtual users: /feed, /notifications, /events)",
    "queue": "phase 3: queue stress (generate-replies at a steady rate, then time the drain)",
}


class Context:
    """What a scenario's run() gets: parsed args, the target, when we started it the server, and a
    work directory for locust's files (the server's temp dir, else one of its own)."""

    def __init__(self, args, base, server, work):
        self.args = args
        self.base = base
        self.server = server  # None with --url
        self.work = work

    def client(self, timeout=None):
        return Client(self.base, self.args.request_timeout if timeout is None else timeout)


def usage(prog):
    lines = [f"usage: {prog} <scenario> [flags]   ({prog} <scenario> --help for its flags)", "", "scenarios:"]
    lines += [f"  {name:<8} {desc}" for name, desc in SCENARIOS.items()]
    return "\n".join(lines)


def load_scenario(name):
    return importlib.import_module(f".scenarios.{name}", __package__)


def build_parser(sc, prog):
    ap = argparse.ArgumentParser(prog=prog, description=sc.DESCRIPTION)
    sc.add_arguments(ap)
    ap.add_argument("--duration", type=float, default=sc.DEFAULT_DURATION,
                    help=f"seconds of load (default {sc.DEFAULT_DURATION:g})")
    ap.add_argument("--bin", default=None, help="server binary (default $PERSONAWORLDS_BIN, else .build-release/release/"
                                                "personaworlds if present, else .build/debug/personaworlds)")
    ap.add_argument("--url", default=None, help="use this running server (loopback only) instead of starting one")
    ap.add_argument("--max-inflight", type=int, default=None, help="locust users, i.e. max concurrent requests "
                                                                   f"(default {sc.MAX_INFLIGHT_HELP})")
    ap.add_argument("--request-timeout", type=float, default=30.0, help="per-request timeout in seconds (default 30)")
    ap.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE", help="extra env for the started server (repeatable)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, server and locust logs) even on PASS")
    ap.add_argument("--json", default=None, metavar="FILE", help="also write the figures as JSON to FILE")
    ap.add_argument("--setup-only", default=None, metavar="DIR",
                    help=f"with --url: only create the fixtures and write them to DIR ({sc.SETUP_ONLY_FILES}; "
                         "for the vegeta and k6 scripts), then exit")
    return ap


def main(argv=None, prog=None, scenario=None):
    """scenario=None: the first argument names it (run.py); a wrapper script fixes it instead."""
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = prog or os.path.basename(sys.argv[0])
    if scenario is None:
        if not argv or argv[0] in ("-h", "--help"):
            print(usage(prog))
            return EXIT_PASS if argv else EXIT_SETUP
        scenario = argv.pop(0)
        if scenario not in SCENARIOS:
            print(f"{prog}: unknown scenario {scenario!r}\n\n{usage(prog)}", file=sys.stderr)
            return EXIT_SETUP
        prog = f"{prog} {scenario}"
    name = scenario
    sc = load_scenario(name)
    set_prefix(sc.PREFIX)
    ap = build_parser(sc, prog)
    args = ap.parse_args(argv)
    if args.duration <= 0:
        ap.error("--duration must be positive")
    args.extra_env = {}
    for kv in args.server_env:
        if "=" not in kv:
            ap.error(f"--server-env wants KEY=VALUE, got {kv!r}")
        k, v = kv.split("=", 1)
        args.extra_env[k] = v
    if args.setup_only and not args.url:
        ap.error("--setup-only needs --url (a server that keeps running after this script)")
    sc.validate(args, ap)

    server = None
    work = None
    rc = EXIT_SETUP
    interrupted = False

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_sigterm)

    try:
        if not args.setup_only:
            locust_command()  # before any setup: without locust there is nothing to measure with
        if args.url:
            check_loopback(args.url)
            base = args.url.rstrip("/")
            log(f"target: {base} (already running; {sc.URL_IGNORED} ignored)")
        else:
            binary = os.path.abspath(args.bin or default_binary())
            env = sc.server_env(args)
            env.update(args.extra_env)  # --server-env wins, so any default can be overridden
            server = Server(binary, name, env, args.keep)
            before = getattr(sc, "before_serve", None)
            if before:
                before(server, args)
            server.start()
            base = server.url
            log(f"target: {base} ({binary}, {sc.describe_server(args, server.env)})")
        if server is None:
            work = tempfile.mkdtemp(prefix=f"pw-{name}-")
        rc = sc.run(Context(args, base, server, server.tmp if server is not None else work))
        return rc
    except KeyboardInterrupt:
        interrupted = True
        print()
        log("interrupted")
        rc = EXIT_INTERRUPTED
        return rc
    except SetupError as e:
        log(f"error: {e}")
        log("FAIL")
        rc = EXIT_SETUP
        return rc
    except Exception:
        # A bug in the runner, not a measured FAIL: keep exit status 1 for real FAILs.
        traceback.print_exc()
        log("error: the runner crashed (traceback above)")
        log("FAIL")
        rc = EXIT_SETUP
        return rc
    finally:
        if server is not None:
            server.stop()
            # Keep the database, server and locust logs of a failed run for a post-mortem.
            server.cleanup(keep=rc != EXIT_PASS and not interrupted)
        elif work is not None:
            if rc != EXIT_PASS and not interrupted:
                log(f"locust log and figures kept in {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
