"""Phase 3 queue stress: POST /posts/{id}/generate-replies at a constant rate (open loop), each
request to its own published post, body {} (every persona of the user replies). The responses'
`enqueued` and `skipped` are summed for run.py, which times the queue's drain afterwards and checks
that every enqueued job ran exactly once.

    python3 loadtest/run.py queue                       # fixtures, server, drain, thresholds: the usual way
    locust -f loadtest/locust/queue.py --headless -u 200 -r 200 --host URL --fixtures DIR --rate 50 --duration 60
                                                        # by hand; DIR from `run.py queue --url URL --setup-only DIR`

-u is the pool of users that take the scheduled requests (run.py: --max-inflight, default
max(64, 4 x rate)). Request i goes to post i of DIR/post_ids.txt (repeating when there are fewer).
"""

from locust import FastHttpUser, events, task
from common import RECORDER, OpenLoop, fixture_lines, set_schedule

import common

FIXTURES = {}
NAME = "POST /posts/{id}/generate-replies"


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")


@events.test_start.add_listener
def _schedule(environment, **kw):
    o = environment.parsed_options
    FIXTURES["token"] = fixture_lines(environment, "token.txt")[0]
    FIXTURES["posts"] = fixture_lines(environment, "post_ids.txt")
    set_schedule(OpenLoop([(NAME, o.rate, int(round(o.rate * o.duration)))]))


class QueueClient(FastHttpUser):
    def on_start(self):
        common.warm_up(self)

    def wait_time(self):
        return common.SCHEDULE.next_wait(self)

    @task
    def scheduled_request(self):
        common.SCHEDULE.send(self, self.generate_replies)

    def generate_replies(self, name, i):
        posts = FIXTURES["posts"]
        headers = {"Authorization": f"Bearer {FIXTURES['token']}"}
        with self.client.post(f"/posts/{posts[i % len(posts)]}/generate-replies", name=name, json={},
                              headers=headers, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}: {(r.text or '').strip()[:200]}")
                return
            try:
                p = r.json()
                RECORDER.add("enqueued", int(p.get("enqueued", 0)))
                RECORDER.add("skipped", int(p.get("skipped", 0)))
            except (ValueError, TypeError, AttributeError):
                r.failure("HTTP 200, bad body: not a generate-replies body")
