"""Phase 1 public read baseline: GET /p/{slug}, GET /templates and GET /b/{id}/card.png, each at
its own constant rate (open loop), without a login. A 200 whose body is not what the route promises
counts as a failure.

    python3 loadtest/run.py public                      # fixtures, server, thresholds: the usual way
    locust -f loadtest/locust/public.py --headless -u 256 -r 256 --host URL --fixtures DIR --duration 60
                                                        # by hand; DIR from `run.py public --url URL --setup-only DIR`

-u is the pool of users that take the scheduled requests (run.py: --max-inflight, default 256).
"""

from locust import FastHttpUser, events, task
from common import OpenLoop, fixture_lines, set_schedule

import common

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PATHS = {}


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--profile-rate", type=float, default=200.0, help="GET /p/{slug} per second (0 = off)")
    parser.add_argument("--templates-rate", type=float, default=200.0, help="GET /templates per second (0 = off)")
    parser.add_argument("--card-rate", type=float, default=100.0, help="GET /b/{id}/card.png per second (0 = off)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")


@events.test_start.add_listener
def _schedule(environment, **kw):
    o = environment.parsed_options
    slug = fixture_lines(environment, "slug.txt")[0]
    battle = fixture_lines(environment, "battle_id.txt")[0]
    endpoints = [(f"GET /p/{slug}", o.profile_rate, f"/p/{slug}", lambda r: check_profile(r, slug)),
                 ("GET /templates", o.templates_rate, "/templates", check_templates),
                 ("GET /b/{id}/card.png", o.card_rate, f"/b/{battle}/card.png", check_card)]
    for name, rate, path, check in endpoints:
        if rate > 0:
            PATHS[name] = (path, check)
    set_schedule(OpenLoop([(name, rate, int(round(rate * o.duration))) for name, rate, _, _ in endpoints if rate > 0]))


def check_profile(r, slug):
    p = r.json()
    if not isinstance(p, dict) or not isinstance(p.get("profile"), dict) or "latest_posts" not in p:
        return "not a public profile body"
    if p["profile"].get("slug") != slug:
        return f"profile slug {p['profile'].get('slug')!r} != {slug!r}"
    return None


def check_templates(r):
    p = r.json()
    return None if isinstance(p, dict) and isinstance(p.get("templates"), list) else "not a templates body"


def check_card(r):
    if not (r.headers.get("content-type") or "").startswith("image/png"):
        return f"content-type {r.headers.get('content-type')!r}"
    return None if r.content.startswith(PNG_SIGNATURE) else "body is not a PNG"


class PublicReader(FastHttpUser):
    def on_start(self):
        common.warm_up(self)

    def wait_time(self):
        return common.SCHEDULE.next_wait(self)

    @task
    def scheduled_request(self):
        common.SCHEDULE.send(self, self.get)

    def get(self, name, i):
        path, check = PATHS[name]
        with self.client.get(path, name=name, catch_response=True) as r:
            if r.status_code == 200:
                try:
                    problem = check(r)
                except ValueError:
                    problem = "body is not JSON"
                if problem:
                    r.failure(f"HTTP 200, bad body: {problem}")
            elif r.status_code == 304:
                r.success()
            else:
                r.failure(f"HTTP {r.status_code}: {(r.text or '').strip()[:200]}")
