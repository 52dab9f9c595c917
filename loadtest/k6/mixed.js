// Phase 2 authenticated mixed traffic for k6 (equivalent of `python3 loadtest/run.py mixed`, against a
// running server).
//
//   k6 run loadtest/k6/mixed.js                   # 50 VUs for 60s on 127.0.0.1:8080, think 100 ms
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e USERS=50 -e DURATION=30s -e THINK_MS=100 -e HOSTS=5 \
//          -e MAX_P95_MS=1200 -e MAX_ERROR_RATE=0.01 loadtest/k6/mixed.js
//
// The server must run with RATE_LIMIT_EVENTS_PER_MIN=0 (the events limit, 600/min by default, is per
// client IP and every VU shares k6's IP) and RATE_LIMIT_PUBLIC_WRITE_PER_MIN=0 (setup() sends
// 2 x USERS follows; the follow limit is 30/min per IP).
//
// setup():   HOSTS host accounts (two personas each; the first publishes a post and a public
//            profile; one battle per host), then USERS accounts, each with one persona, one
//            published post and a public profile; user k follows host k mod HOSTS and user k+1.
// default(): constant-vus (closed loop): VU k is user k and loops over GET /feed,
//            GET /notifications?limit=20 and POST /events, sleeping THINK_MS (+-50 %) after each
//            response; the event alternates between battle_shared {battle_id: a host battle} and
//            daily_return.
// Thresholds (non-zero exit when missed): http_req_failed < MAX_ERROR_RATE and
// http_req_duration p(95) < MAX_P95_MS over the load requests, overall and per endpoint, and the
// body checks (a 2xx with the wrong body is an error too).
import http from 'k6/http';
import { check, fail, sleep } from 'k6';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const USERS = parseInt(__ENV.USERS || '50', 10);
const HOSTS = parseInt(__ENV.HOSTS || '5', 10);
const DURATION = __ENV.DURATION || '60s';
const THINK_MS = parseFloat(__ENV.THINK_MS || '100');
const MAX_P95_MS = parseFloat(__ENV.MAX_P95_MS || '1200');
const MAX_ERROR_RATE = parseFloat(__ENV.MAX_ERROR_RATE || '0.01');
const ENDPOINTS = ['feed', 'notifications', 'events'];
const TOPICS = ['Go vs Rust for small services', 'Monolith or microservices first', 'SQLite in production',
  'Tabs or spaces', 'Remote-first teams', 'Static typing for scripts'];

// The plan's thresholds over every request (setup's requests must succeed anyway, or setup()
// fails), then the same over the load requests only (tag phase:load) and per endpoint.
const thresholds = {
  http_req_failed: [`rate<${MAX_ERROR_RATE}`],
  http_req_duration: [`p(95)<${MAX_P95_MS}`],
  'http_req_failed{phase:load}': [`rate<${MAX_ERROR_RATE}`],
  'http_req_duration{phase:load}': [`p(95)<${MAX_P95_MS}`],
  'checks{phase:load}': [`rate>${1 - MAX_ERROR_RATE}`],
};
for (const name of ENDPOINTS) {
  thresholds[`http_req_failed{endpoint:${name}}`] = [`rate<${MAX_ERROR_RATE}`];
  thresholds[`http_req_duration{endpoint:${name}}`] = [`p(95)<${MAX_P95_MS}`];
}

export const options = {
  // 5 + 2 x USERS follows and ~6 requests per account, one after the other (bcrypt on signup).
  setupTimeout: '300s',
  scenarios: {
    mixed: { executor: 'constant-vus', vus: USERS, duration: DURATION, gracefulStop: '30s' },
  },
  thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
};

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const RUN_TAG = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

function mustStatus(r, want, what) {
  if (r.status !== want) fail(`${what}: HTTP ${r.status} (want ${want}): ${String(r.body).slice(0, 300)}`);
  return r;
}

function authParams(token) {
  return { headers: { ...JSON_HEADERS, Authorization: `Bearer ${token}` }, tags: { name: 'setup' } };
}

function signup(label) {
  const email = `${label}-${RUN_TAG}-${Math.floor(Math.random() * 1e9)}@example.com`;
  const r = mustStatus(http.post(`${BASE_URL}/auth/signup`, JSON.stringify({ email, password: `${label}-password` }),
    { headers: JSON_HEADERS, tags: { name: 'setup' } }), 201, 'POST /auth/signup');
  return r.json('token');
}

function createPersona(token, name) {
  return mustStatus(http.post(`${BASE_URL}/personas`, JSON.stringify({
    name,
    writing_samples: ['Short and concrete.', 'I ask one question at a time.', 'Numbers over adjectives.'],
    preferred_language: 'en',
  }), authParams(token)), 201, 'POST /personas').json('id');
}

function publishPost(token, persona, room) {
  const draft = mustStatus(http.post(`${BASE_URL}/rooms/${room}/posts/draft`, JSON.stringify({ persona_id: persona }),
    authParams(token)), 201, 'POST /rooms/{id}/posts/draft');
  mustStatus(http.post(`${BASE_URL}/posts/${draft.json('id')}/approve`, null, authParams(token)), 200,
    'POST /posts/{id}/approve');
}

function publishProfile(token, persona, slug) {
  // The server may answer another slug (-2, -3 ...) if this one is taken; use what it says.
  return mustStatus(http.post(`${BASE_URL}/personas/${persona}/publish-profile`, JSON.stringify({ slug }),
    authParams(token)), 200, 'POST /personas/{id}/publish-profile').json('slug');
}

function follow(token, slug) {
  const r = http.post(`${BASE_URL}/p/${slug}/follow`, null, authParams(token));
  if (r.status === 429) fail(`POST /p/${slug}/follow: 429 - start the server with RATE_LIMIT_PUBLIC_WRITE_PER_MIN=0`);
  mustStatus(r, 200, `POST /p/${slug}/follow`);
}

export function setup() {
  const probe = signup('k6-mixed-probe');
  const rooms = mustStatus(http.get(`${BASE_URL}/rooms`, authParams(probe)), 200, 'GET /rooms').json('rooms');
  if (!rooms || rooms.length === 0) fail('GET /rooms returned no rooms');

  const hosts = [];
  for (let k = 0; k < HOSTS; k++) {
    const token = signup('k6-mixed-host');
    const room = rooms[k % rooms.length].id;
    const persona = createPersona(token, `Mixed Host ${k + 1}`);
    createPersona(token, `Mixed Host ${k + 1} second`);
    publishPost(token, persona, room);
    const slug = publishProfile(token, persona, `k6-mixed-${RUN_TAG}-host-${k + 1}`);
    const battle = mustStatus(http.post(`${BASE_URL}/rooms/${room}/battles`,
      JSON.stringify({ topic: TOPICS[k % TOPICS.length] }), authParams(token)), 201, 'POST /rooms/{id}/battles')
      .json('battle_id');
    hosts.push({ slug, battle });
  }

  const users = [];
  for (let k = 0; k < USERS; k++) {
    const token = signup('k6-mixed-user');
    const persona = createPersona(token, `Mixed User ${k + 1}`);
    publishPost(token, persona, rooms[k % rooms.length].id);
    users.push({ token, slug: publishProfile(token, persona, `k6-mixed-${RUN_TAG}-user-${k + 1}`) });
  }
  for (let k = 0; k < users.length; k++) {
    follow(users[k].token, hosts[k % hosts.length].slug);
    if (users.length > 1) follow(users[k].token, users[(k + 1) % users.length].slug);
  }

  // One request per route: a missing route stops the run before any load.
  const first = authParams(users[0].token);
  mustStatus(http.get(`${BASE_URL}/feed`, first), 200, 'GET /feed');
  mustStatus(http.get(`${BASE_URL}/notifications?limit=20`, first), 200, 'GET /notifications');
  mustStatus(http.post(`${BASE_URL}/events`, JSON.stringify({ event_name: 'daily_return', metadata: { surface: 'setup' } }),
    first), 202, 'POST /events');
  console.log(`setup: ${hosts.length} hosts, ${users.length} users (persona, post, profile, follows)`);
  return { tokens: users.map((u) => u.token), battles: hosts.map((h) => h.battle) };
}

function think() {
  if (THINK_MS > 0) sleep((THINK_MS / 1000) * (0.5 + Math.random()));
}

function params(token, endpoint, name) {
  return {
    headers: { ...JSON_HEADERS, Authorization: `Bearer ${token}` },
    tags: { phase: 'load', endpoint, name },
  };
}

function jsonField(r, path) {
  try {
    return r.json(path);
  } catch (e) {
    return undefined;
  }
}

export default function (data) {
  // VU numbers start at 1; with more VUs than users (USERS changed between setup and load) they share.
  const token = data.tokens[(__VU - 1) % data.tokens.length];
  const k = __VU - 1;

  const feed = http.get(`${BASE_URL}/feed`, params(token, 'feed', 'GET /feed'));
  check(feed, { 'feed: 200 with items': (r) => r.status === 200 && Array.isArray(jsonField(r, 'items')) },
    { phase: 'load', endpoint: 'feed' });
  think();

  const notes = http.get(`${BASE_URL}/notifications?limit=20`, params(token, 'notifications', 'GET /notifications'));
  check(notes, {
    'notifications: 200 with a list': (r) => r.status === 200 && Array.isArray(jsonField(r, 'notifications')) &&
      Number.isInteger(jsonField(r, 'unread_count')),
  }, { phase: 'load', endpoint: 'notifications' });
  think();

  // Even iterations share a host battle (what the feed's trending ranking counts), odd ones ping
  // daily_return.
  const body = __ITER % 2 === 0
    ? { event_name: 'battle_shared',
      metadata: { battle_id: data.battles[(k + __ITER / 2) % data.battles.length], source: 'copy_link' } }
    : { event_name: 'daily_return', metadata: { surface: 'feed' } };
  const ev = http.post(`${BASE_URL}/events`, JSON.stringify(body), params(token, 'events', 'POST /events'));
  check(ev, { 'events: 202 {"ok": true}': (r) => r.status === 202 && jsonField(r, 'ok') === true },
    { phase: 'load', endpoint: 'events' });
  think();
}
