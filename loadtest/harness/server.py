"""The binary under test: started on 127.0.0.1 with a throw-away database, or a given --url."""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from .client import TRANSPORT_ERRORS, Client
from .core import SetupError, log

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_binary():
    """$PERSONAWORLDS_BIN, else the release build if present (the figures that matter), else the
    debug build."""
    env = os.environ.get("PERSONAWORLDS_BIN")
    if env:
        return env
    for rel in (".build-release/release/personaworlds", ".build/debug/personaworlds"):
        p = os.path.join(REPO, rel)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return os.path.join(REPO, ".build/debug/personaworlds")


class Server:
    """One `personaworlds serve` process with its own temp dir (database + log)."""

    def __init__(self, binary, name, env, keep):
        if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
            raise SetupError(f"binary not found or not executable: {binary} "
                             "(build it, or pass --bin / PERSONAWORLDS_BIN)")
        self.binary = binary
        self.tmp = tempfile.mkdtemp(prefix=f"pw-{name}-")
        self.keep = keep
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(self.tmp, "server.log")
        self.db_path = os.path.join(self.tmp, f"{name}.sqlite")
        self.proc = None
        self.logf = None
        # A minimal environment: nothing from the caller's shell (a stray RATE_LIMIT_* or
        # DATABASE_PATH) can change what is measured; scenarios add their settings in `env`.
        base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ") if k in os.environ}
        base.update({
            "APP_ENV": "dev",
            "DATABASE_PATH": self.db_path,
            "PORT": str(self.port),
            "BIND_ADDRESS": "127.0.0.1",
            "LOG_LEVEL": "warning",
            "JWT_SECRET": secrets.token_hex(32),
            "LLM_PROVIDER": "mock",
            "WORKER_OBSERVABILITY_PORT": str(free_port()),
            "SHUTDOWN_GRACE": "3s",
        })
        base.update(env)
        self.env = base

    def run_command(self, *args, timeout=120.0):
        """Runs another subcommand (e.g. `seed --demo`) against the same database; returns stdout."""
        try:
            p = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SetupError(f"`personaworlds {' '.join(args)}` did not finish within {timeout:.0f}s")
        if p.returncode != 0:
            raise SetupError(f"`personaworlds {' '.join(args)}` exited with status {p.returncode}: "
                             f"{(p.stderr or p.stdout).strip()[:500]}")
        return p.stdout

    def start(self, timeout=60.0):
        self.logf = open(self.log_path, "wb")
        # Own session: a terminal Ctrl-C reaches only us; we stop the server ourselves.
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env, stdout=self.logf,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        probe = Client(self.url, 2.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SetupError(f"server exited with status {self.proc.returncode} during start-up\n{self.log_tail()}")
            try:
                status, _ = probe.request("GET", "/readyz")
                if status == 200:
                    return
            except TRANSPORT_ERRORS:
                pass
            time.sleep(0.1)
        raise SetupError(f"server not ready after {timeout:.0f}s\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kib(self):
        """Resident set size of the server process (Linux /proc), or None."""
        if not self.alive():
            return None
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return None

    def cpu_seconds(self):
        """User + system CPU time the server process has used so far (Linux /proc), or None."""
        if not self.alive():
            return None
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                # Fields after the ")" that closes the command name; utime and stime are 14 and 15.
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, "rb") as f:
                tail = f.read().decode("utf-8", "replace").splitlines()[-lines:]
            return "\n".join("  | " + line for line in tail)
        except OSError:
            return "  | (no server log)"

    def error_lines(self):
        """Server log lines at level error or critical."""
        out = []
        try:
            with open(self.log_path, "rb") as f:
                for line in f.read().decode("utf-8", "replace").splitlines():
                    if re.search(r'"level"\s*:\s*"(error|critical)"', line, re.I):
                        out.append(line)
        except OSError:
            pass
        return out

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
        if self.logf:
            self.logf.close()
            self.logf = None

    def cleanup(self, keep):
        if self.keep or keep:
            log(f"server log and database kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
