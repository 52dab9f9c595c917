"""Phase 2 authenticated mixed traffic: a fixed population of logged-in users (a closed loop, k6's
constant-vus), each with its own account and connection, looping over GET /feed,
GET /notifications?limit=20 and POST /events with a think time of --think ms (+-50 %) after every
response. A 2xx whose body is not what the route promises counts as a failure.

    python3 loadtest/run.py mixed                       # fixtures, server, thresholds: the usual way
    locust -f loadtest/locust/mixed.py --headless -u 50 -r 50 -t 60s --host URL --fixtures DIR
                                                        # by hand; DIR from `run.py mixed --url URL --setup-only DIR`

User k signs in as the k-th token of DIR/tokens.txt; -u must not exceed the number of tokens.
The event alternates between battle_shared (a battle of DIR/battle_ids.txt, what a share button
posts; the feed's trending ranking counts it) and daily_return.
"""

import random

from locust import FastHttpUser, events, task
from common import RECORDER, fixture_lines

FIXTURES = {}
NOTIFICATIONS_PATH = "/notifications?limit=20"


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--think", type=float, default=100.0, help="think time in ms after each response (+-50 %%)")


@events.test_start.add_listener
def _fixtures(environment, **kw):
    FIXTURES["tokens"] = fixture_lines(environment, "tokens.txt")
    FIXTURES["battles"] = fixture_lines(environment, "battle_ids.txt")
    FIXTURES["next"] = 0


class MixedUser(FastHttpUser):
    def wait_time(self):
        think = self.environment.parsed_options.think / 1000.0
        return think * random.uniform(0.5, 1.5)

    def on_start(self):
        self.k = FIXTURES["next"]
        FIXTURES["next"] += 1
        tokens = FIXTURES["tokens"]
        if self.k >= len(tokens):
            raise RuntimeError(f"-u is larger than the {len(tokens)} tokens in tokens.txt")
        self.headers = {"Authorization": f"Bearer {tokens[self.k]}", "Accept": "application/json"}
        self.step = 0
        self.events_sent = 0

    @task
    def visit(self):
        """One request per task, in turn, so locust's stop lets only the request in flight finish."""
        step, self.step = self.step, (self.step + 1) % 3
        if step == 0:
            self.call("GET", "/feed", "GET /feed", 200, None, check_feed)
        elif step == 1:
            self.call("GET", NOTIFICATIONS_PATH, "GET /notifications", 200, None, check_notifications)
        else:
            self.call("POST", "/events", "POST /events", 202, self.event_body(), check_event)

    def event_body(self):
        i, self.events_sent = self.events_sent, self.events_sent + 1
        if i % 2 == 0:
            battles = FIXTURES["battles"]
            battle = battles[(self.k + i // 2) % len(battles)]
            return {"event_name": "battle_shared", "metadata": {"battle_id": battle, "source": "copy_link"}}
        return {"event_name": "daily_return", "metadata": {"surface": "feed"}}

    def call(self, method, path, name, want, body, check):
        with self.client.request(method, path, name=name, headers=self.headers, json=body, catch_response=True) as r:
            if r.status_code != want:
                r.failure(f"HTTP {r.status_code}: {(r.text or '').strip()[:200]}")
                return
            try:
                problem = check(r.json())
            except ValueError:
                problem = "body is not JSON"
            if problem:
                r.failure(f"HTTP {r.status_code}, bad body: {problem}")


def check_feed(p):
    if not isinstance(p, dict) or not isinstance(p.get("items"), list):
        return "not a feed body"
    RECORDER.add("feed_items", len(p["items"]))
    return None


def check_notifications(p):
    if not isinstance(p, dict) or not isinstance(p.get("notifications"), list) or not isinstance(p.get("unread_count"), int):
        return "not a notifications body"
    RECORDER.add("unread_notifications", p["unread_count"])
    return None


def check_event(p):
    return None if isinstance(p, dict) and p.get("ok") is True else 'not {"ok": true}'
