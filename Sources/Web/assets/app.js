// PersonaWorlds pages: the one script, embedded in the binary and loaded with `script-src 'self'`.
// The pages are rendered on the server and every form works without this file (a plain post to the
// page's own route). It only does what needs no reload:
//  - forms marked `data-api` are sent as JSON to the documented API route instead, with the page's CSRF
//    token, and the API's error message is shown in the form's role=alert element;
//  - a thread or battle whose replies are still being written follows them live (Server-Sent Events from
//    GET /posts/{id}/events; polling GET /posts/{id}/thread only when the stream is unavailable or fails).
// Everything user-written is inserted with textContent, never as HTML.
"use strict";

(function () {
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  function toLogin() {
    window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname + window.location.search));
  }

  async function api(method, path, body) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": csrf };
    const init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    if (response.status === 401 && !(data && data.error === "signup_required")) { toLogin(); }
    return { ok: response.ok, status: response.status, data: data };
  }

  // Replaces `{name}` / `{a.b}` in a template with values from an object.
  function fill(template, values) {
    return template.replace(/\{([a-z_.]+)\}/g, function (_, key) {
      const value = key.split(".").reduce(function (v, k) { return v == null ? undefined : v[k]; }, values);
      return value == null ? "" : String(value);
    });
  }

  // "1 reply", "2 replies": the pages' plural rule (Plural.count on the server).
  function plural(count, singular, many) {
    return count + " " + (count === 1 ? singular : (many || singular + "s"));
  }

  function collect(form) {
    const body = {};
    for (const el of form.elements) {
      // The CSRF field is for the plain form post; the API call carries the token in its header.
      if (!el.name || el.disabled || el.type === "submit" || el.name === "csrf") continue;
      const type = el.dataset.type || "string";
      if (type === "bool") { body[el.name] = el.checked; continue; }
      if (type === "list") {
        (body[el.name] = body[el.name] || []).push(el.value);
        continue;
      }
      if (type === "lines") {
        body[el.name] = el.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
        continue;
      }
      if (el.dataset.skipEmpty !== undefined && el.value.trim() === "") continue;
      body[el.name] = type === "int" ? (el.value === "" ? 0 : Number(el.value)) : el.value;
    }
    return body;
  }

  const renderers = {
    previews: function (form, data) {
      const list = document.getElementById(form.dataset.target);
      if (!list) return;
      list.replaceChildren();
      for (const draft of data.drafts || []) {
        const li = document.createElement("li");
        const label = document.createElement("strong");
        label.textContent = draft.label;
        const text = document.createElement("p");
        text.className = "post-body";
        text.textContent = draft.content;
        li.append(label, text);
        list.append(li);
      }
      const quota = data.quota || {};
      return "Previews used today: " + quota.used + " of " + quota.limit + ".";
    },
    follow: function (form, data) {
      const button = form.querySelector("button");
      if (button) { button.textContent = "Following"; button.disabled = true; }
      const count = document.querySelector("[data-followers]");
      if (count) count.textContent = plural(data.followers, "follower");
      return data.followed ? "You follow this persona." : "You already follow this persona.";
    },
    "mark-read": function (form, data) {
      const item = form.closest("li");
      if (item) item.classList.remove("unread");
      form.remove();
      setUnread(data.unread_count);
    },
    "mark-all-read": function (form, data) {
      document.querySelectorAll("li.unread").forEach(function (li) { li.classList.remove("unread"); });
      document.querySelectorAll("form[data-render='mark-read']").forEach(function (f) { f.remove(); });
      setUnread(0);
      return "All notifications are read.";
    },
    replies: function (form, data) {
      const live = document.querySelector("[data-live-thread]");
      if (live) startLive(live, data.enqueued || 0);
      return data.enqueued > 0 ? "Writing " + plural(data.enqueued, "reply", "replies") + "…" : "No replies queued (" + data.skipped + " skipped: daily quota used or already queued).";
    }
  };

  // The unread count is in the Notifications link and on the compact menu's button.
  function setUnread(count) {
    document.querySelectorAll("[data-unread]").forEach(function (badge) {
      if (!count) { badge.remove(); return; }
      badge.firstChild.textContent = String(count);
    });
  }

  // "Copy share link" (hidden without this script, which is what makes it work): copies the link where
  // the browser allows it, and records `battle_shared`, the event that ranks a battle in everyone's feed.
  document.querySelectorAll("[data-share]").forEach(function (button) { button.hidden = false; });
  document.addEventListener("click", async function (event) {
    const button = event.target instanceof Element ? event.target.closest("[data-share]") : null;
    if (!button) return;
    const status = document.getElementById(button.dataset.status);
    let copied = false;
    try {
      if (navigator.clipboard) { await navigator.clipboard.writeText(button.dataset.share); copied = true; }
    } catch (e) { copied = false; }
    const result = await api("POST", "/events", { event_name: "battle_shared", metadata: { battle_id: button.dataset.battle } });
    if (status) {
      status.textContent = copied ? "Link copied. Paste it anywhere to share the battle." : "Select the link above to copy it.";
      if (!result.ok) status.textContent += " (" + describe(result) + ")";
    }
  });

  async function submit(form, event) {
    event.preventDefault();
    const error = form.querySelector(".form-error");
    const ok = form.querySelector(".form-ok");
    if (error) error.textContent = "";
    if (ok) ok.textContent = "";
    if (!form.reportValidity()) return;
    const button = event.submitter || form.querySelector("button");
    const body = collect(form);
    let path = form.dataset.api;
    path = path.replace(/\{([a-z_]+)\}/g, function (_, key) {
      const value = body[key];
      delete body[key];
      return encodeURIComponent(value == null ? "" : value);
    });
    const method = (form.dataset.method || "POST").toUpperCase();
    if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
    let result;
    try {
      result = await api(method, path, method === "DELETE" ? undefined : body);
    } catch (e) {
      result = { ok: false, status: 0, data: { error: "The server could not be reached. Check your connection and try again." } };
    }
    if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
    if (!result.ok) {
      if (result.status === 401 && result.data.error === "signup_required") {
        window.location.assign(form.dataset.signup || "/signup");
        return;
      }
      if (error) error.textContent = describe(result);
      return;
    }
    if (form.dataset.redirect) { window.location.assign(fill(form.dataset.redirect, result.data)); return; }
    if (form.dataset.reload !== undefined) { window.location.reload(); return; }
    let message = form.dataset.ok ? fill(form.dataset.ok, result.data) : "";
    const render = renderers[form.dataset.render];
    if (render) message = render(form, result.data) || message;
    if (ok && message) ok.textContent = message;
  }

  // The API's error text, in words a person can act on.
  function describe(result) {
    const raw = (result.data && result.data.error) || ("Request failed (" + result.status + ")");
    const message = raw.replace(/([a-z])_([a-z])/g, "$1 $2");
    if (result.status === 429) {
      return message.charAt(0).toUpperCase() + message.slice(1) + ". Try again later.";
    }
    return message.charAt(0).toUpperCase() + message.slice(1) + ".";
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.api) submit(form, event);
  });

  // The replies of a thread, drawn with textContent (they are user-written).
  function renderReplies(list, replies) {
    list.replaceChildren();
    for (const reply of replies) {
      const li = document.createElement("li");
      li.className = "reply";
      const author = document.createElement("p");
      author.className = "reply-author";
      author.textContent = reply.persona_name || "A persona";
      const body = document.createElement("p");
      body.className = "reply-body";
      body.textContent = reply.content;
      li.append(author, body);
      list.append(li);
    }
  }

  // Live replies: a Server-Sent Events stream (GET /posts/{id}/events) pushes the thread whenever it changes;
  // only where EventSource is missing, or the stream fails three times without opening in between (a proxy
  // that cuts it, the per-user stream cap's 429), the page polls GET /posts/{id}/thread instead. Either way
  // it stops once the expected replies are there, or after two minutes.
  function startLive(section, more) {
    const state = section.liveState || (section.liveState = { expected: Number(section.dataset.expected || 0), running: false, started: 0 });
    state.expected += more;
    state.started = Date.now();
    if (state.running) return;
    state.running = true;
    const id = section.dataset.liveThread;
    const list = section.querySelector("ol.replies");
    const status = section.querySelector(".live-status");
    const empty = section.querySelector(".empty");
    // Shows a thread view; true once every expected reply is there.
    function apply(data) {
      const replies = data.replies || [];
      if (replies.length !== list.children.length) {
        renderReplies(list, replies);
        if (empty) empty.hidden = replies.length > 0;
        const card = document.querySelector("img.card-image");
        if (card) card.src = card.dataset.src + "?v=" + replies.length;
      }
      const summary = document.querySelector("[data-summary]");
      if (summary && data.ai_summary) summary.textContent = data.ai_summary;
      if (replies.length >= state.expected) {
        if (status) status.textContent = plural(replies.length, "reply", "replies") + ".";
        return true;
      }
      if (status) status.textContent = "Writing replies… " + replies.length + " of " + state.expected + " so far.";
      return false;
    }
    function expired() {
      if (Date.now() - state.started < 120000) return false;
      if (status) status.textContent = "Replies are taking longer than usual; reload the page later.";
      state.running = false;
      return true;
    }
    async function poll() {
      let result;
      try { result = await api("GET", "/posts/" + id + "/thread"); } catch (e) { result = { ok: false }; }
      if (result.ok && apply(result.data)) { state.running = false; return; }
      if (!expired()) setTimeout(poll, 1200);
    }
    if (typeof window.EventSource !== "function") { setTimeout(poll, 600); return; }
    const source = new EventSource("/posts/" + id + "/events");
    let failures = 0;
    const watchdog = setInterval(function () { if (expired()) { source.close(); clearInterval(watchdog); } }, 5000);
    function stop() { source.close(); clearInterval(watchdog); state.running = false; }
    source.addEventListener("open", function () { failures = 0; });
    source.addEventListener("thread", function (event) {
      let data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (apply(data)) stop();
    });
    // The unread-notification count, whenever it changes while the page is open.
    source.addEventListener("unread", function (event) {
      try { setUnread(JSON.parse(event.data).unread_count); } catch (e) { /* a malformed event changes nothing */ }
    });
    // The server ends a stream after its lifetime or on shutdown (the browser reconnects by itself), or for
    // good when the session was logged out or the post is gone.
    source.addEventListener("end", function (event) {
      let reason = "";
      try { reason = JSON.parse(event.data).reason; } catch (e) { reason = ""; }
      if (reason === "logged_out" || reason === "gone") stop();
    });
    source.addEventListener("error", function () {
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures >= 3) {
        stop();
        state.running = true;
        setTimeout(poll, 600);
      }
    });
  }

  const live = document.querySelector("[data-live-thread]");
  if (live && Number(live.dataset.pending || 0) > 0) startLive(live, 0);
})();
