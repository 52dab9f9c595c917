#!/usr/bin/env python3
"""The PersonaWorlds browser journey (Playwright for Python, sync API, Debian's chromium).

One run against a fresh server (scripts/browser-tests.sh starts one): the owner signs up, creates
two personas (one named `<script>alert(1)</script>`), drafts and approves a post, generates replies,
starts a battle from a template, checks its 960x540 card and Open Graph tags, publishes the
profiles; an anonymous visitor opens the share links, is asked to sign up on follow, signs up and
follows; the owner sees the follow in notifications and the battle in the feed. Then the whole
signed-in journey again with JavaScript disabled (every form a plain post answered with a redirect),
the compact menu at phone width, and the weight of every page. Along the way: no console errors,
page errors, dialogs, failed requests or HTTP >= 400 (unless a step expects one), a CSP header on
every page, escaped user text, axe-core (axe-playwright-python) on every page at desktop and phone
width with no serious or critical violation, content negotiation for plain HTTP clients, and
desktop + phone screenshots of every page.

Usage: journey.py --base-url http://127.0.0.1:PORT [--screenshots DIR]
Exits 1 with the list of failures if any check failed.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import urlparse

from playwright.sync_api import Error as PlaywrightError, TimeoutError as PlaywrightTimeoutError, expect, sync_playwright

try:  # axe-core, carried by the axe-playwright-python package (scripts/deps.sh test installs it)
    from axe_playwright_python.sync_playwright import Axe
except ImportError:
    Axe = None

TIMEOUT_MS = 15_000
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
OWNER, VISITOR, PASSWORD = "owner@example.com", "visitor@example.com", "correct-horse-9"
ADA, XSS = "Ada Lovelace", "<script>alert(1)</script>"
ADA_SLUG, XSS_SLUG = "ada-lovelace", "script-alert"
POST_TEXT = "Small steps, measured twice, shipped with logs."
TOPIC = "Should every team ship on Fridays?"
TEMPLATE_NAME = "Quick fire rounds"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
AXE_BLOCKING = ("serious", "critical")
# The heaviest page, everything it loads included, on a first visit (empty cache), over the wire.
MAX_PAGE_BYTES = 100 * 1024
NOJS_OWNER, NOJS_FAN = "nojs-owner@example.com", "nojs-fan@example.com"
NOJS_TOPIC = "Do forms need JavaScript?"

S = SimpleNamespace(base="", shots="", shot_no=0, failures=[], passed=0, allowed=[], nav_checked=0, page=None,
                    axe=None, axe_runs=0, axe_minor={}, visited={})


# ---------------------------------------------------------------- checks and listeners

def check(ok, what):
    if ok:
        S.passed += 1
        print(f"  ok    {what}")
    else:
        S.failures.append(what)
        print(f"  FAIL  {what}")
    return ok


def fail(what):
    check(False, what)


def soft(fn, what):
    """Runs an auto-waiting assertion; records a failure instead of aborting the journey."""
    try:
        fn()
        return check(True, what)
    except (AssertionError, PlaywrightError) as e:
        return check(False, f"{what}: {first_lines(e)}")


def first_lines(e, n=3):
    return " | ".join(str(e).strip().splitlines()[:n])


def allowed(url, status):
    return any(rx.search(url) and status == code for rx, code in S.allowed)


@contextmanager
def expected_http_error(page, url_pattern, status):
    """Allows exactly one expected error response (and Chromium's console line about it) and
    waits for both, so neither arrives after the allowance ends."""
    rx = re.compile(url_pattern)
    S.allowed.append((rx, status))
    print(f"  (expecting HTTP {status} from {url_pattern})")
    try:
        with page.expect_console_message(
            lambda m: f"status of {status}" in m.text and bool(rx.search(m.location.get("url", "")))
        ), page.expect_response(lambda r: bool(rx.search(r.url)) and r.status == status):
            yield
    finally:
        S.allowed.remove((rx, status))


def watch(page, who):
    def on_console(msg):
        if msg.type != "error":
            return
        m = re.search(r"status of (\d+)", msg.text)
        if m and allowed(msg.location.get("url", ""), int(m.group(1))):
            return
        fail(f"[{who}] console error on {page.url}: {msg.text}")

    def on_request_failed(req):
        failure = req.failure or ""
        # The browser cancelled a subresource itself (the page navigated away, or the live updates
        # swapped the card's src): not a server failure. A document that aborts still counts.
        if "ERR_ABORTED" in failure and req.resource_type != "document":
            print(f"  note  [{who}] {req.resource_type} {req.url} cancelled by the browser")
            return
        fail(f"[{who}] request failed: {req.method} {req.url} ({req.resource_type}): {failure}")

    def on_response(resp):
        try:
            status, req = resp.status, resp.request
            if status >= 400 and not allowed(resp.url, status):
                fail(f"[{who}] HTTP {status} for {req.method} {resp.url} (on {page.url})")
            if req.is_navigation_request() and resp.frame.parent_frame is None and not 300 <= status < 400:
                csp = resp.headers.get("content-security-policy") or resp.header_value("content-security-policy") or ""
                S.nav_checked += 1
                check("script-src 'self'" in csp, f"[{who}] CSP with script-src 'self' on {resp.url}")
        except PlaywrightError as e:  # the page went away while we looked
            print(f"  note  [{who}] could not inspect response {resp.url}: {first_lines(e, 1)}")

    def on_dialog(dialog):
        fail(f"[{who}] a {dialog.type} dialog opened on {page.url}: {dialog.message!r}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda err: fail(f"[{who}] uncaught error on {page.url}: {err}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    page.on("dialog", on_dialog)


def new_context(browser, who, **options):
    ctx = browser.new_context(viewport=DESKTOP, **options)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.set_default_navigation_timeout(TIMEOUT_MS)
    ctx.on("page", lambda page: watch(page, who))  # fires for new_page() and popups alike
    return ctx


# ---------------------------------------------------------------- page helpers

def h1(page):
    return page.get_by_role("heading", level=1)


def main_area(page):
    return page.get_by_role("main")


def nav(page):
    return page.get_by_role("navigation", name="Main", exact=True)


def nav_link(page, name):
    return nav(page).get_by_role("link", name=name, exact=True)


def follow_control(page):
    return page.get_by_role("button", name="Follow", exact=True).or_(
        page.get_by_role("link", name="Follow", exact=True)).first


def no_injected_script(page):
    """No <script> element carries the persona name's payload. (A has_text locator cannot tell:
    Playwright's text matching skips <script> contents, so it always counts 0.)"""
    injected = page.evaluate("Array.from(document.scripts).some(s => s.textContent.includes('alert(1)'))")
    check(not injected, f"no <script> element with alert(1) on {page.url}")


def chrome(page, logged_in, admin=False):
    """The parts every page shares: skip link first, the Main nav with the right links."""
    soft(lambda: expect(page.locator("a.skip-link")).to_have_text("Skip to content"), "skip link present")
    first = page.evaluate("document.querySelector('a[href], button, input, select, textarea') === "
                          "document.querySelector('a.skip-link')")
    check(first, "skip link is the first focusable element")
    soft(lambda: expect(page.locator('nav[aria-label="Main"]')).to_have_count(1), "one Main nav")
    if not logged_in:
        for name in ("Log in", "Sign up"):
            soft(lambda: expect(nav_link(page, name)).to_be_visible(), f"nav link {name!r} (logged out)")
        return
    for name in ("Personas", "Rooms", "New battle", "Templates", "Feed", "Digest"):
        soft(lambda: expect(nav_link(page, name)).to_be_visible(), f"nav link {name!r}")
    soft(lambda: expect(nav(page).get_by_role("link", name=re.compile(r"^Notifications"))).to_be_visible(),
         "nav link 'Notifications'")
    soft(lambda: expect(nav_link(page, "Admin")).to_have_count(1 if admin else 0),
         f"nav link 'Admin' {'present' if admin else 'absent'}")
    soft(lambda: expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible(), "button 'Log out'")


def audit(page, name, width):
    """axe-core on the page as it is: no serious or critical violation (labels, contrast, names, ARIA…)."""
    if S.axe is None:
        fail("axe-playwright-python is not installed (scripts/deps.sh test)")
        return
    try:
        violations = S.axe.run(axe_view(page)).response["violations"]
    except PlaywrightError as e:
        fail(f"axe could not run on {name} ({width}): {first_lines(e)}")
        return
    S.axe_runs += 1
    blocking = [v for v in violations if v.get("impact") in AXE_BLOCKING]
    for v in violations:
        if v.get("impact") not in AXE_BLOCKING:
            S.axe_minor.setdefault(f"{v['id']} ({v.get('impact')})", set()).add(name)
    for v in blocking:
        targets = "; ".join(" ".join(n.get("target", [])) for n in v["nodes"][:4])
        fail(f"axe {v['impact']} on {name} ({width}): {v['id']}: {v['help']} [{targets}]")
    if not blocking:
        check(True, f"axe: no serious or critical violation on {name} ({width})")


def axe_view(page):
    """The page axe can run in. axe needs script, so a page of a browser without JavaScript is checked as
    a copy (its scripts removed) in a script-enabled page on the same origin and with the pages' CSP,
    so the same stylesheet applies."""
    if page.context not in S.nojs_contexts:
        return page
    if S.axe_helper is None:
        S.axe_helper = S.browser.new_context(viewport=DESKTOP).new_page()
    helper = S.axe_helper
    helper.set_viewport_size(page.viewport_size)
    helper.goto(S.base + "/login")
    helper.set_content(re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S))
    return helper


def snap(page, name):
    """Full-page screenshots and axe at desktop and phone widths; the phone layout must not scroll
    sideways and the signed-in header stays one row."""
    S.shot_no += 1
    stem = os.path.join(S.shots, f"{S.shot_no:02d}-{name}")
    page.wait_for_load_state("load")
    no_injected_script(page)
    S.visited.setdefault(page.url, (name, page.context))
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=f"{stem}-desktop.png", full_page=True, timeout=TIMEOUT_MS)
    audit(page, name, "desktop")
    page.set_viewport_size(PHONE)
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    check(fits, f"{name}: no horizontal scrolling at 390 px")
    if page.locator("details.nav-menu").count():
        height = page.locator("header.site-header").evaluate("h => h.getBoundingClientRect().height")
        check(height <= 80, f"{name}: the signed-in header is one row at 390 px ({height:.0f} px)")
    page.screenshot(path=f"{stem}-phone.png", full_page=True, timeout=TIMEOUT_MS)
    audit(page, name, "phone")
    page.set_viewport_size(DESKTOP)
    print(f"  shot  {os.path.basename(stem)}-desktop.png, -phone.png")


def focus_is_visible(page, presses=6):
    """Tabbing through the first controls: each focused element draws a visible focus indicator."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        shown = page.evaluate("""() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const s = getComputedStyle(el);
            return [el.tagName + (el.textContent || '').trim().slice(0, 20),
                    (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'];
        }""")
        if shown is not None:
            check(shown[1], f"focus is visible on {shown[0]!r} ({page.url})")


def sign_up(page, email):
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign up", exact=True).click()


def fill_persona(form, name, bio):
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Bio", exact=True).fill(bio)
    form.get_by_label("Tone", exact=True).fill("warm, precise")
    for i, sample in enumerate(("Numbers can weave patterns.", "Measure twice.", "Poetry is analysis."), 1):
        form.get_by_label(f"Writing sample {i}", exact=True).fill(sample)
    form.get_by_label("Do not say (one per line)", exact=True).fill("synergy\nleverage")
    form.get_by_label("Catchphrases (one per line)", exact=True).fill("Onward!")
    form.get_by_label("Preferred language", exact=True).select_option("en")
    form.get_by_label("Formality", exact=True).select_option("1")
    form.get_by_label("Daily draft quota", exact=True).fill("5")
    form.get_by_label("Daily reply quota", exact=True).fill("5")


def create_persona(page, name, bio):
    page.goto(f"{S.base}/app/personas")
    form = page.get_by_role("form", name="Create a persona")
    fill_persona(form, name, bio)
    form.get_by_role("button", name="Create persona", exact=True).click()
    expect(page).to_have_url(re.compile(r"/app/personas/[^/?#]+$"))
    expect(h1(page)).to_have_text(name)
    return page.url.rsplit("/", 1)[1]


def publish_profile(page, slug, bio):
    page.get_by_label("Profile address (slug)", exact=True).fill(slug)
    page.get_by_label("Profile bio", exact=True).fill(bio)
    page.get_by_role("button", name="Publish profile", exact=True).click()
    share_url = f"{S.base}/p/{slug}"
    link = page.locator("a.share-link")
    expect(link).to_have_text(share_url)
    expect(link).to_have_attribute("href", share_url)
    soft(lambda: expect(page.get_by_role("button", name="Unpublish profile", exact=True)).to_be_visible(),
         "button 'Unpublish profile' after publishing")
    return share_url


def check_card(page):
    img = page.get_by_role("img", name="Share card for this battle")
    expect(img).to_be_visible()
    check(page.locator("img.card-image").count() == 1, "one img.card-image")
    expect(page.locator("img.card-image")).to_have_js_property("complete", True)
    size = page.locator("img.card-image").evaluate("i => [i.naturalWidth, i.naturalHeight]")
    check(size == [960, 540], f"card image loaded at 960x540 (got {size[0]}x{size[1]})")


def check_battle_page(page, logged_in):
    expect(h1(page)).to_have_text(TOPIC)
    soft(lambda: expect(page.locator("ol.replies li.reply").first).to_be_visible(),
         f"battle replies shown ({'live' if logged_in else 'anonymous'})")
    check_card(page)
    share = page.locator("a.share-link")
    soft(lambda: expect(share).to_have_text(S.battle_url), "battle share link text")
    soft(lambda: expect(share).to_have_attribute("href", S.battle_url), "battle share link href")
    remix = page.get_by_role("link", name="Remix this battle", exact=True)
    soft(lambda: expect(remix).to_have_attribute("href", re.compile(r"remix")), "link 'Remix this battle'")
    def meta(sel):
        tag = page.locator(f"meta[{sel}]")
        return (tag.first.get_attribute("content") or "") if tag.count() else ""
    check(meta('property="og:title"').strip() != "", "og:title set")
    check(meta('property="og:description"').strip() != "", "og:description set")
    check(meta('name="twitter:card"') == "summary_large_image", "twitter:card summary_large_image")
    og_image = meta('property="og:image"')
    u = urlparse(og_image)
    check(u.scheme in ("http", "https") and u.netloc != "", f"og:image is absolute ({og_image!r})")
    return og_image


def check_png(ctx, url):
    resp = ctx.request.get(url, timeout=TIMEOUT_MS)
    ctype = resp.headers.get("content-type", "")
    check(resp.status == 200 and ctype.startswith("image/png"), f"og:image answers 200 image/png ({resp.status} {ctype})")
    body = resp.body()
    if body[:8] == b"\x89PNG\r\n\x1a\n" and len(body) >= 24:
        w, h = struct.unpack(">II", body[16:24])
        check((w, h) == (960, 540), f"og:image PNG is 960x540 (got {w}x{h})")
    else:
        fail("og:image body is a PNG")


def http_get(path, accept=None):
    req = urllib.request.Request(S.base + path, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_MS / 1000) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def parse_json(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def followers(slug):
    status, _, body = http_get(f"/p/{slug}", "application/json")
    doc = parse_json(body) if status == 200 else None
    return doc.get("profile", {}).get("followers") if isinstance(doc, dict) else None


# ---------------------------------------------------------------- the journey's steps

def step_home():
    page = S.page = S.owner.new_page()
    page.goto(S.base + "/")
    expect(h1(page)).to_have_text("PersonaWorlds")
    page.keyboard.press("Tab")
    soft(lambda: expect(page.locator("a.skip-link")).to_be_focused(), "Tab focuses 'Skip to content' first")
    chrome(page, logged_in=False)
    for name in ("Sign up", "Log in"):
        soft(lambda: expect(main_area(page).get_by_role("link", name=name, exact=True)).to_be_visible(),
             f"home: link {name!r} in main")
    focus_is_visible(page)
    snap(page, "home")


def step_signup_owner():
    page = S.page
    main_area(page).get_by_role("link", name="Sign up", exact=True).click()
    expect(page).to_have_url(re.compile(r"/signup(\?|$)"))
    chrome(page, logged_in=False)
    snap(page, "signup")
    sign_up(page, OWNER)
    expect(page).to_have_url(re.compile(r"/app/personas$"))
    expect(h1(page)).to_have_text("Your personas")
    # The admin role is stored and granted from the machine's command line after signing up, as an operator would.
    chrome(page, logged_in=True, admin=False)
    if S.grant_admin:
        subprocess.run(S.grant_admin + [OWNER], check=True, capture_output=True)
        page.reload()
    chrome(page, logged_in=True, admin=True)
    page.locator("main").focus()
    focus_is_visible(page, presses=4)


def step_persona_form_error():
    page = S.page
    form = page.get_by_role("form", name="Create a persona")
    form.get_by_label("Name", exact=True).fill(ADA)
    form.evaluate("f => { f.noValidate = true }")  # let the API, not the browser, reject it
    with expected_http_error(page, "^" + re.escape(S.base + "/personas") + "$", 400):
        form.get_by_role("button", name="Create persona", exact=True).click()
    check(page.url.endswith("/app/personas"), "the rejected form stays on /app/personas")
    soft(lambda: expect(form.get_by_role("alert")).to_contain_text(re.compile(r"writing[_ ]samples", re.I)),
         "create persona with only a name: the form's alert names writing_samples")


def step_create_personas():
    page = S.page
    S.ada_id = create_persona(page, ADA, "Writes about engines and poetry.")
    edit = page.get_by_role("form", name="Edit persona")
    soft(lambda: expect(edit.get_by_label("Name", exact=True)).to_have_value(ADA), "edit form holds the name")
    soft(lambda: expect(main_area(page)).to_contain_text(re.compile(r"Drafts today: \d+ of 5")), "today's quota shown")
    edit.get_by_label("Tone", exact=True).fill("warm, precise, curious")
    with page.expect_response(lambda r: r.request.method in ("PUT", "PATCH") and f"/personas/{S.ada_id}" in r.url):
        try:  # the form may reload the page after saving; wait for that rather than race it
            with page.expect_event("load", timeout=5_000):
                edit.get_by_role("button", name="Save changes", exact=True).click()
        except PlaywrightTimeoutError:
            print("  note  no reload after 'Save changes' (updated in place)")
    fresh = S.owner.new_page()  # a second page, so a reload the form may do itself cannot race ours
    fresh.goto(page.url)
    soft(lambda: expect(fresh.get_by_role("form", name="Edit persona").get_by_label("Tone", exact=True))
         .to_have_value("warm, precise, curious"), "Save changes persisted the tone")
    fresh.close()
    chrome(page, logged_in=True, admin=True)
    snap(page, "persona-edit")

    S.xss_id = create_persona(page, XSS, "A name that must stay text.")
    check(XSS in main_area(page).inner_text(), "persona page shows the <script> name as text")
    snap(page, "persona-xss")

    page.goto(f"{S.base}/app/personas")
    for name in (ADA, XSS):
        soft(lambda: expect(main_area(page).get_by_role("link", name=name, exact=True)).to_be_visible(),
             f"persona list links {name!r}")
    check(XSS in main_area(page).inner_text(), "persona list shows the <script> name as text")
    snap(page, "personas")


def step_draft_post():
    page = S.page
    nav_link(page, "Rooms").click()
    expect(h1(page)).to_have_text("Rooms")
    snap(page, "rooms")
    page.locator("main a[href^='/app/rooms/']").first.click()
    expect(page).to_have_url(re.compile(r"/app/rooms/[^/?#]+$"))
    expect(h1(page)).not_to_have_text("Rooms")
    form = page.get_by_role("form", name="Draft a post")
    form.get_by_label("Persona", exact=True).select_option(label=ADA)
    soft(lambda: expect(page.get_by_role("button", name="Preview drafts", exact=True)).to_be_visible(),
         "button 'Preview drafts'")
    snap(page, "room")
    form.get_by_role("button", name="Draft a post", exact=True).click()
    expect(page).to_have_url(re.compile(r"/app/posts/[^/?#]+$"))


def step_approve_and_replies():
    page = S.page
    approve = page.get_by_role("form", name="Approve", exact=True)
    content = approve.get_by_label("Content", exact=True)
    soft(lambda: expect(content).not_to_have_value(""), "the draft has text")
    content.fill(POST_TEXT)
    approve.get_by_role("button", name="Approve and publish", exact=True).click()
    generate = page.get_by_role("button", name="Generate replies", exact=True)
    expect(generate).to_be_visible()
    soft(lambda: expect(main_area(page)).to_contain_text("Published"), "the post is published")
    soft(lambda: expect(main_area(page)).to_contain_text(POST_TEXT), "the edited text was published")
    page.evaluate("window.__journeyMarker = 'no reload'")
    requests = []
    record = lambda request: requests.append(request.url)
    page.on("request", record)
    generate.click()
    expect(page.locator("ol.replies li.reply").first).to_be_visible()
    page.remove_listener("request", record)
    check(page.evaluate("window.__journeyMarker") == "no reload", "replies appeared without a reload")
    # Issue 18: the replies come over the event stream, not by polling the thread.
    check(any(re.search(r"/posts/[^/]+/events$", url) for url in requests), "live replies use GET /posts/{id}/events")
    check(not any(re.search(r"/posts/[^/]+/thread$", url) for url in requests), "no polling of GET /posts/{id}/thread")
    soft(lambda: expect(page.locator(".live-status")).to_have_attribute("role", "status"), ".live-status is role=status")
    chrome(page, logged_in=True, admin=True)
    snap(page, "thread")


def step_battle():
    page = S.page
    nav_link(page, "New battle").click()
    expect(h1(page)).to_have_text("Start a battle")
    for label in ("Room", "Template"):
        select = page.get_by_label(label, exact=True)
        values = select.locator("option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
        check(len(values) > 0, f"new battle: {label} has options")
        select.select_option(values[0])
    page.get_by_label("Topic", exact=True).fill(TOPIC)
    page.get_by_label("Pro style", exact=True).fill("earnest")
    page.get_by_label("Con style", exact=True).fill("skeptical")
    snap(page, "new-battle")
    page.get_by_role("button", name="Start battle", exact=True).click()
    expect(page).to_have_url(re.compile(r"/b/[^/?#]+$"))
    S.battle_id = page.url.rsplit("/", 1)[1]
    S.battle_url = f"{S.base}/b/{S.battle_id}"
    check_png(S.owner, check_battle_page(page, logged_in=True))
    # Sharing records `battle_shared`, which is what puts a battle in the feed.
    page.get_by_role("button", name="Copy share link", exact=True).click()
    expect(page.locator("#share-status")).not_to_be_empty()
    snap(page, "battle")


def step_templates():
    page = S.page
    nav_link(page, "Templates").click()
    expect(h1(page)).to_have_text("Battle templates")
    form = page.get_by_role("form", name="Create a template")
    form.get_by_label("Name", exact=True).fill(TEMPLATE_NAME)
    form.get_by_label("Prompt rules", exact=True).fill("One claim and one rebuttal per turn.")
    form.get_by_label("Turn count", exact=True).fill("4")
    form.get_by_label("Word limit", exact=True).fill("80")
    form.get_by_label("Public", exact=True).check()
    form.get_by_role("button", name="Create template", exact=True).click()
    soft(lambda: expect(main_area(page).get_by_text(TEMPLATE_NAME).first).to_be_visible(), "the new template is listed")
    snap(page, "templates")


def step_publish_profiles():
    page = S.page
    page.goto(f"{S.base}/app/personas/{S.ada_id}")
    S.share_url = publish_profile(page, ADA_SLUG, "Analytical engines, poetical science.")
    snap(page, "persona-published")
    page.goto(f"{S.base}/app/personas/{S.xss_id}")
    publish_profile(page, XSS_SLUG, "Escaped, always.")


def step_visitor():
    page = S.page = S.visitor.new_page()
    page.goto(f"{S.base}/app/personas")
    soft(lambda: expect(page).to_have_url(re.compile(r"/login\?next=")), "a logged-out /app page redirects to /login?next=")
    resp = page.goto(S.share_url)
    check(resp is not None and resp.status == 200, "visitor opens the profile share link (200)")
    expect(h1(page)).to_have_text(ADA)
    soft(lambda: expect(main_area(page)).to_contain_text(POST_TEXT), "the profile lists the approved post")
    chrome(page, logged_in=False)
    snap(page, "public-profile")

    page.goto(S.battle_url)
    check_battle_page(page, logged_in=False)
    chrome(page, logged_in=False)
    snap(page, "battle-public")

    page.goto(f"{S.base}/p/{XSS_SLUG}")
    expect(h1(page)).to_have_text(XSS)
    check(XSS in main_area(page).inner_text(), "public profile shows the <script> name as text")
    snap(page, "public-profile-xss")

    page.goto(S.share_url)
    before = followers(ADA_SLUG)
    check(isinstance(before, int), f"follower count readable from the JSON profile ({before})")
    follow_control(page).click()
    expect(page).to_have_url(re.compile(r"/signup\?"))
    expect(main_area(page)).to_contain_text("Sign up to follow")
    snap(page, "signup-to-follow")
    sign_up(page, VISITOR)
    expect(page).to_have_url(re.compile(rf"/p/{ADA_SLUG}(\?.*)?$"))
    chrome(page, logged_in=True, admin=False)
    follow_control(page).click()
    expect(main_area(page)).to_contain_text("Following")
    if isinstance(before, int):
        n = before + 1
        shows_n = re.compile(rf"(?<!\d){n}\s*followers?\b|\bfollowers?\W*{n}(?!\d)", re.I)
        soft(lambda: expect(main_area(page)).to_contain_text(shows_n, use_inner_text=True), f"the page shows {n} follower(s)")
        check(followers(ADA_SLUG) == n, f"the JSON profile counts {n} follower(s)")

    # The operator console is for the stored admin role only: this signed-in visitor gets the 403 page.
    url = f"{S.base}/app/admin"
    with expected_http_error(page, "^" + re.escape(url) + "$", 403):
        response = page.goto(url)
    check(response is not None and response.status == 403, "/app/admin is 403 for a user without the admin role")
    soft(lambda: expect(h1(page)).to_have_text("Not allowed"), "the 403 page for a non-admin")
    soft(lambda: expect(page.locator("[data-console]")).to_have_count(0), "no console section for a non-admin")


def step_notifications():
    page = S.page = S.owner.pages[0]
    page.goto(f"{S.base}/app/personas")
    link = nav(page).get_by_role("link", name=re.compile(r"^Notifications"))
    soft(lambda: expect(link.locator("span.badge")).to_have_text(re.compile(r"^\s*[1-9]\d*(\s+unread)?\s*$")), "unread badge on Notifications")
    link.click()
    expect(h1(page)).to_have_text("Notifications")
    item = page.locator("ul.list > li").filter(has_text=re.compile("follow", re.I)).first
    expect(item).to_be_visible()
    mark_all = page.get_by_role("button", name="Mark all as read", exact=True)
    soft(lambda: expect(mark_all).to_be_visible(), "button 'Mark all as read'")
    chrome(page, logged_in=True, admin=True)
    snap(page, "notifications")
    item.get_by_role("button", name="Mark as read", exact=True).click()
    soft(lambda: expect(item.get_by_role("button", name="Mark as read", exact=True)).to_have_count(0),
         "the follow notification is marked read")
    page.wait_for_load_state("load")
    if mark_all.count() and mark_all.is_visible() and mark_all.is_enabled():
        with page.expect_response(lambda r: r.request.method == "POST" and "/notifications" in r.url):
            mark_all.click()
    soft(lambda: expect(page.get_by_role("button", name="Mark as read", exact=True)).to_have_count(0), "all marked read")
    fresh = S.owner.new_page()  # not page.reload(): it could race a reload the page does itself
    fresh.goto(f"{S.base}/app/notifications")
    soft(lambda: expect(nav(fresh).get_by_role("link", name=re.compile(r"^Notifications")).locator("span.badge"))
         .to_be_hidden(), "no unread badge after marking all read")
    fresh.close()


def step_feed_digests_admin():
    page = S.page
    nav_link(page, "Feed").click()
    expect(h1(page)).to_have_text("Feed")
    battle_link = main_area(page).locator(f'a[href$="/b/{S.battle_id}"]').filter(has_text=TOPIC).first
    soft(lambda: expect(battle_link).to_be_visible(), "the battle is in the owner's feed")
    snap(page, "feed")

    nav_link(page, "Digest").click()
    expect(h1(page)).to_have_text("Weekly digest")
    snap(page, "digest")
    page.goto(f"{S.base}/app/personas/{S.ada_id}/digest")
    expect(h1(page)).to_have_text(re.compile(r"^Daily digest"))
    chrome(page, logged_in=True, admin=True)
    snap(page, "daily-digest")

    nav_link(page, "Admin").click()
    expect(h1(page)).to_have_text("Operator console")
    step_console(page)


def step_console(page):
    """The operator console: every section, server-drawn charts, this server as a live node, and Back up now as a
    plain form post (CSRF token in the form) answered by a redirect with the outcome."""
    for section in ("Queue", "Health", "Backups", "Nodes", "Analytics"):
        soft(lambda: expect(page.get_by_role("heading", level=2, name=section, exact=True)).to_be_visible(),
             f"console section {section!r}")
    soft(lambda: expect(page.locator("svg.chart")).to_have_count(3), "console charts: throughput, events per day, events")
    soft(lambda: expect(page.locator("svg.chart-columns rect.chart-a").first).to_be_attached(),
         "the throughput chart has the replies the journey's jobs wrote")
    soft(lambda: expect(page.locator("tr[data-node]")).to_have_count(1), "this server is the one live node")
    soft(lambda: expect(page.get_by_text("No job has failed for good.")).to_be_visible(), "no failed jobs")
    snap(page, "admin")
    page.get_by_role("button", name="Back up now", exact=True).click()
    expect(page).to_have_url(re.compile(r"/app/admin\?notice=backup-(written|running)&file=personaworlds-"))
    soft(lambda: expect(page.locator("[data-console-notice]")).to_contain_text("Backup"), "backup notice shown")
    if "backup-written" in page.url:
        soft(lambda: expect(page.locator("[data-last-backup]")).to_have_text(re.compile(r"^personaworlds-.*\.sqlite$")),
             "the new backup is the last one")
    snap(page, "admin-after-backup")


def step_not_found():
    page = S.page = S.anonymous.new_page()
    url = f"{S.base}/p/no-such-slug-xyz"
    with expected_http_error(page, "^" + re.escape(url) + "$", 404):
        resp = page.goto(url)
    check(resp is not None and resp.status == 404, "unknown profile answers 404 in a browser")
    expect(h1(page)).to_have_text("Not found")
    chrome(page, logged_in=False)
    snap(page, "404")


def step_without_javascript():
    page = S.page = S.nojs.new_page()
    page.goto(S.share_url)
    expect(h1(page)).to_have_text(ADA)
    soft(lambda: expect(main_area(page)).to_contain_text(POST_TEXT), "no-JS profile lists the post")
    snap(page, "public-profile-nojs")
    page.goto(S.battle_url)
    expect(h1(page)).to_have_text(TOPIC)
    check_card(page)
    snap(page, "battle-nojs")
    page.goto(S.share_url)
    follow_control(page).click()
    soft(lambda: expect(main_area(page)).to_contain_text("Sign up to follow"), "no-JS follow leads to sign up")


def step_plain_http():
    def vary_has_accept(headers):
        return "accept" in [v.strip().lower() for v in ",".join(headers.get_all("Vary") or []).split(",")]

    profile, battle = f"/p/{ADA_SLUG}", f"/b/{S.battle_id}"
    for accept in (None, "application/json"):
        label = f"Accept: {accept or '(none)'}"
        status, headers, body = http_get(profile, accept)
        ok = status == 200 and headers.get_content_type() == "application/json"
        doc = parse_json(body)
        check(ok and isinstance(doc, dict) and {"profile", "latest_posts"} <= set(doc), f"{profile} [{label}]: 200 contract JSON")
        check(vary_has_accept(headers), f"{profile} [{label}]: Vary has Accept")
        status, headers, body = http_get(battle, accept)
        ok = status == 401 and headers.get_content_type() == "application/json"
        doc = parse_json(body)
        check(ok and isinstance(doc, dict) and "error" in doc, f"{battle} [{label}]: 401 JSON error without a token ({status})")
        check(vary_has_accept(headers), f"{battle} [{label}]: Vary has Accept")
    for path in (profile, battle):
        status, headers, _ = http_get(path, BROWSER_ACCEPT)
        check(status == 200 and headers.get_content_type() == "text/html", f"{path} [browser Accept]: 200 text/html")
        check(vary_has_accept(headers), f"{path} [browser Accept]: Vary has Accept")
        check("script-src 'self'" in (headers.get("Content-Security-Policy") or ""), f"{path} [browser Accept]: CSP")


def step_logout_login():
    page = S.page = S.owner.pages[0]
    page.goto(f"{S.base}/app/personas")
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(nav_link(page, "Log in")).to_be_visible()
    page.goto(f"{S.base}/app/personas")
    soft(lambda: expect(page).to_have_url(re.compile(r"/login\?next=")), "after logging out /app redirects to /login")
    page.goto(f"{S.base}/login")
    chrome(page, logged_in=False)
    snap(page, "login")
    page.get_by_label("Email", exact=True).fill(OWNER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/app/personas$"))
    expect(h1(page)).to_have_text("Your personas")


def step_phone_menu():
    """At 390 px the signed-in navigation is one "Menu" button that opens a panel of every link."""
    page = S.page = S.owner.pages[0]
    page.goto(f"{S.base}/app/personas")
    page.set_viewport_size(PHONE)
    try:
        summary = nav(page).locator("summary")
        expect(summary).to_be_visible()
        soft(lambda: expect(nav_link(page, "Feed")).to_be_hidden(), "phone: links hidden until the menu opens")
        summary.click()
        soft(lambda: expect(nav_link(page, "Feed")).to_be_visible(), "phone: the menu shows the links")
        soft(lambda: expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible(), "phone: Log out in the menu")
        S.shot_no += 1
        page.screenshot(path=os.path.join(S.shots, f"{S.shot_no:02d}-menu-open-phone.png"), full_page=False)
        audit(page, "menu-open", "phone")
        nav_link(page, "Feed").click()
        expect(h1(page)).to_have_text("Feed")
    finally:
        page.set_viewport_size(DESKTOP)


def nojs_submit(page, form, button, expect_status=None):
    """Submits a form by its button in the no-JavaScript browser; the post is a document navigation
    (a 303 to the next page, or the form again with an error status when `expect_status` is given)."""
    if expect_status is None:
        with page.expect_navigation():
            form.get_by_role("button", name=button, exact=True).click()
        return
    rx = re.compile(r"^" + re.escape(S.base) + r"/")
    S.allowed.append((rx, expect_status))
    try:
        with page.expect_response(lambda r: r.request.method == "POST" and r.status == expect_status):
            form.get_by_role("button", name=button, exact=True).click()
        page.wait_for_load_state("load")
    finally:
        S.allowed.remove((rx, expect_status))


def step_nojs_journey():
    """The signed-in journey with JavaScript disabled: every form is a plain post answered with a
    redirect (or the form again with the API's message), and no request is a script's fetch."""
    page = S.page = S.nojs_owner.new_page()
    page.goto(f"{S.base}/signup")
    sign_up(page, NOJS_OWNER)
    expect(page).to_have_url(re.compile(r"/app/personas$"))
    chrome(page, logged_in=True)
    snap(page, "nojs-personas")

    form = page.get_by_role("form", name="Create a persona")
    form.get_by_label("Name", exact=True).fill("NoJS Ada")
    form.evaluate("f => { f.noValidate = true }")  # let the server, not the browser, reject it
    nojs_submit(page, form, "Create persona", expect_status=400)
    soft(lambda: expect(page.get_by_role("form", name="Create a persona").get_by_role("alert"))
         .to_contain_text("Writing samples must contain exactly 3"), "no-JS: the rejected form shows the API's message")
    soft(lambda: expect(page.get_by_role("form", name="Create a persona").get_by_label("Name", exact=True))
         .to_have_value("NoJS Ada"), "no-JS: the rejected form keeps what was typed")
    snap(page, "nojs-persona-error")

    ids = {}
    for name in ("NoJS Ada", "NoJS Bob"):
        page.goto(f"{S.base}/app/personas")
        form = page.get_by_role("form", name="Create a persona")
        fill_persona(form, name, f"{name} writes without scripts.")
        nojs_submit(page, form, "Create persona")
        expect(page).to_have_url(re.compile(r"/app/personas/[^/?#]+$"))
        expect(h1(page)).to_have_text(name)
        ids[name] = page.url.rsplit("/", 1)[1]
    edit = page.get_by_role("form", name="Edit persona")
    edit.get_by_label("Tone", exact=True).fill("dry, exact")
    nojs_submit(page, edit, "Save changes")
    soft(lambda: expect(page.get_by_role("form", name="Edit persona").get_by_label("Tone", exact=True))
         .to_have_value("dry, exact"), "no-JS: Save changes persisted the tone")

    for name, slug in (("NoJS Ada", "nojs-ada"), ("NoJS Bob", "nojs-bob")):
        page.goto(f"{S.base}/app/personas/{ids[name]}")
        form = page.get_by_role("form", name="Publish profile")
        form.get_by_label("Profile address (slug)", exact=True).fill(slug)
        nojs_submit(page, form, "Publish profile")
        soft(lambda: expect(page.locator("a.share-link")).to_have_text(f"{S.base}/p/{slug}"), f"no-JS: {slug} published")
    nojs_submit(page, page.get_by_role("form", name="Unpublish profile"), "Unpublish profile")
    soft(lambda: expect(page.get_by_role("button", name="Publish profile", exact=True)).to_be_visible(), "no-JS: unpublished")
    nojs_submit(page, page.get_by_role("form", name="Publish profile"), "Publish profile")
    snap(page, "nojs-persona")

    nav_link(page, "Rooms").click()
    page.locator("main a[href^='/app/rooms/']").first.click()
    preview = page.get_by_role("form", name="Preview drafts")
    preview.get_by_label("Persona to preview", exact=True).select_option(label="NoJS Ada")
    nojs_submit(page, preview, "Preview drafts")
    soft(lambda: expect(page.locator("#previews li").first).to_contain_text("AI Preview 1"), "no-JS: previews shown")
    snap(page, "nojs-previews")
    draft = page.get_by_role("form", name="Draft a post")
    draft.get_by_label("Persona", exact=True).select_option(label="NoJS Ada")
    nojs_submit(page, draft, "Draft a post")
    expect(page).to_have_url(re.compile(r"/app/posts/[^/?#]+$"))
    approve = page.get_by_role("form", name="Approve", exact=True)
    approve.get_by_label("Content", exact=True).fill("Forms first, scripts second.")
    nojs_submit(page, approve, "Approve and publish")
    soft(lambda: expect(main_area(page)).to_contain_text("Forms first, scripts second."), "no-JS: approved")
    nojs_submit(page, page.get_by_role("form", name="Generate replies"), "Generate replies")
    soft(lambda: expect(page.get_by_role("form", name="Generate replies").get_by_role("status"))
         .to_contain_text(re.compile(r"Writing \d+ repl")), "no-JS: the queued replies are announced")
    thread = page.url.split("?", 1)[0]
    for _ in range(40):  # the worker writes replies in the background; a reader reloads
        if page.locator("ol.replies li.reply").count():
            break
        page.wait_for_timeout(250)
        page.goto(thread)
    soft(lambda: expect(page.locator("ol.replies li.reply").first).to_be_visible(), "no-JS: replies after a reload")
    snap(page, "nojs-thread")

    nav_link(page, "New battle").click()
    page.get_by_label("Topic", exact=True).fill(NOJS_TOPIC)
    nojs_submit(page, page.get_by_role("form", name="Battle details"), "Start battle")
    expect(page).to_have_url(re.compile(r"/b/[^/?#]+$"))
    expect(h1(page)).to_have_text(NOJS_TOPIC)
    snap(page, "nojs-battle")

    nav_link(page, "Templates").click()
    form = page.get_by_role("form", name="Create a template")
    form.get_by_label("Name", exact=True).fill("No script rounds")
    form.get_by_label("Prompt rules", exact=True).fill("Short turns, one claim each.")
    form.get_by_label("Turn count", exact=True).fill("4")
    form.get_by_label("Word limit", exact=True).fill("60")
    nojs_submit(page, form, "Create template")
    soft(lambda: expect(main_area(page).get_by_text("No script rounds").first).to_be_visible(), "no-JS: template created")
    snap(page, "nojs-templates")

    fan = S.nojs_fan.new_page()
    fan.goto(f"{S.base}/signup")
    sign_up(fan, NOJS_FAN)
    # The form's 303 lands on the personas page; let it finish loading before going elsewhere, or the next
    # navigation aborts it (a document ERR_ABORTED, which the journey counts as a failure).
    fan.wait_for_url(re.compile(r".*/app/personas.*"))
    fan.wait_for_load_state("load")
    for slug in ("nojs-ada", "nojs-bob"):
        fan.goto(f"{S.base}/p/{slug}")
        nojs_submit(fan, fan.get_by_role("form", name=re.compile("^Follow")), "Follow")
        soft(lambda: expect(fan.get_by_role("status").filter(has_text="You follow this persona.")).to_be_visible(),
             f"no-JS: followed {slug}")
        soft(lambda: expect(main_area(fan)).to_contain_text("1 follower"), f"no-JS: {slug} has 1 follower")
    snap(fan, "nojs-followed")
    fan.close()

    page.goto(f"{S.base}/app/notifications")
    unread = page.locator("ul.list > li.unread")
    soft(lambda: expect(unread).to_have_count(2), "no-JS: two follow notifications")
    snap(page, "nojs-notifications")
    nojs_submit(page, unread.first, "Mark as read")
    soft(lambda: expect(page.locator("ul.list > li.unread")).to_have_count(1), "no-JS: one marked read")
    nojs_submit(page, page.get_by_role("form", name="Mark all as read"), "Mark all as read")
    soft(lambda: expect(page.locator("ul.list > li.unread")).to_have_count(0), "no-JS: all marked read")

    page.goto(f"{S.base}/app/personas/{ids['NoJS Bob']}")
    delete = page.get_by_role("form", name="Delete persona")
    delete.get_by_label("Yes, delete this persona", exact=True).check()
    nojs_submit(page, delete, "Delete persona")
    expect(page).to_have_url(re.compile(r"/app/personas$"))
    soft(lambda: expect(main_area(page).get_by_role("link", name="NoJS Bob", exact=True)).to_have_count(0), "no-JS: deleted")

    page.set_viewport_size(PHONE)
    summary = nav(page).locator("summary")
    summary.click()
    nav_link(page, "Account").click()
    expect(h1(page)).to_have_text("Your account")
    page.set_viewport_size(DESKTOP)
    snap(page, "nojs-account")
    nojs_submit(page, page.get_by_role("form", name="Log out everywhere"), "Log out everywhere")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.get_by_label("Email", exact=True).fill(NOJS_OWNER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/app/personas$"))
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(nav_link(page, "Log in")).to_be_visible()
    check(not S.nojs_fetches, f"no-JS: no script requests ({S.nojs_fetches[:3]})")


def step_page_weight():
    """Every page visited, loaded again with an empty cache: the bytes transferred (document, styles,
    script, images, headers included, as the browser counts them) stay under MAX_PAGE_BYTES, and
    text arrives compressed."""
    # Each page as the browser that saw it (the no-JS users have logged out everywhere by now; their
    # pages are the same templates).
    measured = {S.owner: S.owner.storage_state(), S.visitor: S.visitor.storage_state(), S.anonymous: None, S.nojs: None}
    weights = []
    for who, state in measured.items():
        ctx = S.browser.new_context(viewport=DESKTOP, storage_state=state)
        try:
            weigh(ctx, [(url, name) for url, (name, seen) in S.visited.items() if seen is who and "remix=" not in url], weights)
        finally:
            ctx.close()
    weights.sort(reverse=True)
    print("  page weights (first visit, bytes transferred):")
    for total, name, url in weights:
        print(f"    {total / 1024:7.1f} KB  {name}  {url.replace(S.base, '')}")
    heaviest = weights[0] if weights else (0, "none", "")
    check(heaviest[0] < MAX_PAGE_BYTES,
          f"the heaviest page ({heaviest[1]}) transfers {heaviest[0] / 1024:.1f} KB < {MAX_PAGE_BYTES // 1024} KB")


def weigh(ctx, pages, weights):
    """Loads each page with the cache disabled and adds (bytes transferred, name, url) to weights."""
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    for url, name in pages:
        page.goto(url)
        page.wait_for_load_state("load")
        total, html = page.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const rest = performance.getEntriesByType('resource').reduce((n, r) => n + r.transferSize, 0);
            return [nav.transferSize + rest, [nav.encodedBodySize, nav.decodedBodySize]];
        }""")
        weights.append((total, name, url))
        if html[1] > 2048:
            check(html[0] < html[1] * 0.6, f"{name}: HTML arrives compressed ({html[0]} of {html[1]} bytes)")


STEPS = [step_home, step_signup_owner, step_persona_form_error, step_create_personas, step_draft_post,
         step_approve_and_replies, step_battle, step_templates, step_publish_profiles, step_visitor,
         step_notifications, step_feed_digests_admin, step_phone_menu, step_not_found, step_without_javascript,
         step_plain_http, step_logout_login, step_nojs_journey, step_page_weight]
# Steps whose results (account, persona ids, battle, share links) later steps need: when one of
# these breaks, the rest is skipped. Any other step that breaks is recorded and the journey goes on.
REQUIRED = {step_home, step_signup_owner, step_create_personas, step_battle, step_publish_profiles}


def run(browser):
    S.owner = new_context(browser, "owner")
    S.visitor = new_context(browser, "visitor")
    S.anonymous = new_context(browser, "anonymous")
    S.nojs = new_context(browser, "no-js", java_script_enabled=False)
    S.nojs_owner = new_context(browser, "no-js owner", java_script_enabled=False)
    S.nojs_fan = new_context(browser, "no-js fan", java_script_enabled=False)
    S.nojs_fetches = []
    for ctx in (S.nojs_owner, S.nojs_fan):
        ctx.on("request", lambda r: S.nojs_fetches.append(r.url) if r.resource_type in ("fetch", "xhr") else None)
    S.browser = browser
    S.axe = Axe() if Axe else None
    S.nojs_contexts = {S.nojs, S.nojs_owner, S.nojs_fan}
    S.axe_helper = None
    for i, step in enumerate(STEPS):
        name = step.__name__.removeprefix("step_")
        print(f"== {name}")
        started = time.monotonic()
        try:
            step()
            print(f"   ({name}: {time.monotonic() - started:.1f} s)")
        except Exception as e:  # an auto-waiting step timed out or broke: later steps depend on it
            fail(f"step {name} aborted: {first_lines(e, 6)}")
            traceback.print_exc(limit=3)
            if S.page is not None and not S.page.is_closed():
                try:
                    S.page.screenshot(path=os.path.join(S.shots, f"FAILED-{name}.png"), full_page=True)
                except PlaywrightError:
                    pass
            if step in REQUIRED:
                skipped = [s.__name__.removeprefix("step_") for s in STEPS[i + 1:]]
                if skipped:
                    fail(f"steps skipped: {', '.join(skipped)}")
                break
    check(S.nav_checked > 0, f"CSP checked on {S.nav_checked} page navigations")
    check(S.axe_runs > 0, f"axe ran {S.axe_runs} times")
    for rule, pages in sorted(S.axe_minor.items()):
        print(f"  note  axe (not blocking) {rule} on {len(pages)} page(s): {', '.join(sorted(pages)[:6])}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--screenshots", default=".build/ui-screenshots")
    ap.add_argument("--grant-admin", default="", help="command that grants the admin role to the email appended to it")
    args = ap.parse_args()
    S.base, S.shots = args.base_url.rstrip("/"), args.screenshots
    S.grant_admin = args.grant_admin.split() if args.grant_admin else []
    os.makedirs(S.shots, exist_ok=True)
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                    headless=True, args=["--no-sandbox"])
        try:
            run(browser)
        finally:
            browser.close()
    print(f"\n{S.passed} checks passed, {len(S.failures)} failed; screenshots in {S.shots}")
    if S.failures:
        print("FAILURES:")
        for f in S.failures:
            print(f"  - {f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
