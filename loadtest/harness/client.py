"""A tiny HTTP client over http.client with one keep-alive connection per thread, for the setup
(fixtures made in parallel threads) and the /metrics scrapes; locust sends the load.

Per-thread connections let the setup's threads reuse their TCP connection without any locking
between threads."""

import http.client
import json
import threading
import urllib.parse

from .core import SetupError

# Transport-level failures (connection refused/reset, timeout...).
TRANSPORT_ERRORS = (http.client.HTTPException, OSError)


class Client:
    def __init__(self, base, timeout):
        u = urllib.parse.urlsplit(base)
        if u.scheme != "http":
            raise SetupError(f"only http:// URLs are supported, got {base!r}")
        self.host = u.hostname
        self.port = u.port or 80
        self.prefix = u.path.rstrip("/")
        self.timeout = timeout
        self.local = threading.local()

    def _conn(self):
        c = getattr(self.local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.local.conn = c
        return c

    def _drop(self):
        c = getattr(self.local, "conn", None)
        if c is not None:
            try:
                c.close()
            except Exception:
                pass
        self.local.conn = None

    def request(self, method, path, body=None, token=None, retry=False):
        """Returns (status, parsed JSON, or the text when the body is not JSON, or None when empty).
        Raises TRANSPORT_ERRORS on connection errors; retry=True re-sends once on one (setup
        requests; the load never retries, so that every failure is counted)."""
        h = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = f"Bearer {token}"
        for attempt in range(2 if retry else 1):
            try:
                c = self._conn()
                c.request(method, self.prefix + path, body=data, headers=h)
                r = c.getresponse()
                text = r.read().decode("utf-8", "replace")
                if (r.getheader("connection") or "").lower() == "close":
                    self._drop()
                break
            except TRANSPORT_ERRORS:
                self._drop()
                if attempt + 1 >= (2 if retry else 1):
                    raise
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, text


def expect(status, payload, want, what):
    """Setup requests must succeed; anything else stops the run with exit status 2."""
    if status != want:
        raise SetupError(f"{what}: HTTP {status} (want {want}): {str(payload)[:300]}")
    return payload
