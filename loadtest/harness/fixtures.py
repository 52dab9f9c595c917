"""Setup fixtures through the public API: users, personas, published posts, battles, profiles,
follows.

Every setup request retries once on a connection error and must return its documented status;
anything else raises SetupError (exit status 2), because a run on half-made fixtures would
measure the wrong thing."""

import secrets
import time
from concurrent.futures import ThreadPoolExecutor, as_completed

from .client import expect
from .core import SetupError, log

WRITING_SAMPLES = ["Short and concrete.", "I ask one question at a time.", "Numbers over adjectives."]


def signup(client, label):
    """A fresh user per run, so fixtures never collide with earlier runs on a --url server."""
    email = f"{label}-{secrets.token_hex(6)}@example.com"
    payload = expect(*client.request("POST", "/auth/signup", {"email": email, "password": secrets.token_hex(12)},
                                     retry=True), 201, "POST /auth/signup")
    return payload["token"]


def room_ids(client, token):
    rooms = expect(*client.request("GET", "/rooms", token=token, retry=True), 200, "GET /rooms")["rooms"]
    if not rooms:
        raise SetupError("GET /rooms returned no rooms")
    return [r["id"] for r in rooms]


def create_personas(client, token, n, name):
    """n personas with daily quotas of 100000, so quotas never interfere with a load run."""
    ids = []
    for i in range(n):
        body = {
            "name": f"{name} {i + 1}",
            "writing_samples": WRITING_SAMPLES,
            "preferred_language": "en",
            "daily_draft_quota": 100000,
            "daily_reply_quota": 100000,
        }
        p = expect(*client.request("POST", "/personas", body, token=token, retry=True), 201, "POST /personas")
        ids.append(p["id"])
    return ids


def publish_post(client, token, persona, room):
    """Draft + approve: one PUBLISHED post. Returns its id."""
    d = expect(*client.request("POST", f"/rooms/{room}/posts/draft", {"persona_id": persona}, token=token, retry=True),
               201, "POST /rooms/{id}/posts/draft")
    expect(*client.request("POST", f"/posts/{d['id']}/approve", token=token, retry=True), 200, "POST /posts/{id}/approve")
    return d["id"]


def publish_posts(client, token, personas, rooms, n, threads):
    """n published posts, round-robin over personas and rooms, `threads` at a time."""
    posts = []
    step = max(1, n // 10)
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(publish_post, client, token, personas[i % len(personas)], rooms[i % len(rooms)])
                   for i in range(n)]
        try:
            for f in as_completed(futures):
                posts.append(f.result())
                if len(posts) % step == 0 and len(posts) < n:
                    log(f"setup: {len(posts)}/{n} posts published")
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return posts


def create_battle(client, token, room, topic):
    """POST /rooms/{id}/battles; returns the new battle (post) id."""
    p = expect(*client.request("POST", f"/rooms/{room}/battles", {"topic": topic}, token=token, retry=True),
               201, "POST /rooms/{id}/battles")
    return p["battle_id"]


def publish_profile(client, token, persona, slug):
    """POST /personas/{id}/publish-profile; returns the slug the server chose (it appends -2, -3 ...
    when the requested one belongs to another persona)."""
    p = expect(*client.request("POST", f"/personas/{persona}/publish-profile", {"slug": slug}, token=token, retry=True),
               200, "POST /personas/{id}/publish-profile")
    return p["slug"]


def ensure_public_profile(client, slug):
    """Makes GET /p/{slug} answer 200 on a server we did not seed ourselves (--url): reuses an
    existing public profile, else publishes a new persona with one post under that slug."""
    status, payload = client.request("GET", f"/p/{slug}", retry=True)
    if status == 200:
        return "existing"
    if status != 404:
        raise SetupError(f"GET /p/{slug}: HTTP {status}: {str(payload)[:300]}")
    token = signup(client, "loadtest-profile")
    persona = create_personas(client, token, 1, "Public Baseline")[0]
    publish_post(client, token, persona, room_ids(client, token)[0])
    got = publish_profile(client, token, persona, slug)
    if got != slug:
        raise SetupError(f"slug {slug!r} is taken by a private profile (publish gave {got!r}); "
                         f"run `personaworlds seed --demo` on that database or pass --slug {got}")
    return "created via the API"


def follow(client, token, slug, wait_limited=70.0):
    """POST /p/{slug}/follow as the token's user. The follow route is limited per IP
    (RATE_LIMIT_PUBLIC_WRITE_PER_MIN, 30/min by default) and a setup of many users comes from one
    IP: on 429 this waits for the limiter's window to pass (up to `wait_limited` seconds) rather
    than fail, so a --url server with the limit on still gets its fixtures, only slower."""
    deadline = time.monotonic() + wait_limited
    while True:
        status, payload = client.request("POST", f"/p/{slug}/follow", token=token, retry=True)
        if status != 429 or time.monotonic() >= deadline:
            return expect(status, payload, 200, f"POST /p/{slug}/follow")
        time.sleep(2.0)


def parallel(fn, items, threads, label=None):
    """fn(item) for every item, `threads` at a time; results in the order of `items`. The first
    failure (e.g. a SetupError) cancels what has not started and is raised."""
    items = list(items)
    out = [None] * len(items)
    step = max(1, len(items) // 5)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        futures = {pool.submit(fn, item): k for k, item in enumerate(items)}
        try:
            for f in as_completed(futures):
                out[futures[f]] = f.result()
                done += 1
                if label and done % step == 0 and done < len(items):
                    log(f"setup: {done}/{len(items)} {label}")
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return out
