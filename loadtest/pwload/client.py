"""A tiny HTTP client over http.client with one keep-alive connection per thread.

Per-thread connections let the load generator's pool threads reuse their TCP connection (like
vegeta and k6 do) without any locking between threads."""

import http.client
import json
import threading
import urllib.parse

from .core import SetupError

# Transport-level failures the load phase counts as errors (connection refused/reset, timeout...).
TRANSPORT_ERRORS = (http.client.HTTPException, OSError)


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body        # bytes

    def header(self, name, default=""):
        return self.headers.get(name.lower(), default)

    def payload(self):
        """Parsed JSON, or the text when the body is not JSON, or None when empty."""
        text = self.body.decode("utf-8", "replace")
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text


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

    def send(self, method, path, body=None, token=None, headers=None, retry=False):
        """Returns a Response with the raw body. Raises TRANSPORT_ERRORS on connection errors.

        retry=True re-sends once on a connection-level error (setup only; the load phase never
        retries so that every failure is counted)."""
        h = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if token:
            h["Authorization"] = f"Bearer {token}"
        if headers:
            h.update(headers)
        attempts = 2 if retry else 1
        for attempt in range(attempts):
            try:
                c = self._conn()
                c.request(method, self.prefix + path, body=data, headers=h)
                r = c.getresponse()
                raw = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if hdrs.get("connection", "").lower() == "close":
                    self._drop()
                return Response(r.status, hdrs, raw)
            except TRANSPORT_ERRORS:
                self._drop()
                if attempt + 1 >= attempts:
                    raise

    def request(self, method, path, body=None, token=None, retry=False):
        """Returns (status, parsed JSON or raw text)."""
        r = self.send(method, path, body=body, token=token, retry=retry)
        return r.status, r.payload()


def expect(status, payload, want, what):
    """Setup requests must succeed; anything else stops the run with exit status 2."""
    if status != want:
        raise SetupError(f"{what}: HTTP {status} (want {want}): {str(payload)[:300]}")
    return payload
