// Phase 1 public read baseline for k6 (equivalent of `python3 loadtest/run.py public`, against a
// running server).
//
//   k6 run loadtest/k6/public.js                  # 60s on 127.0.0.1:8080: /p 200/s, /templates 200/s, card 100/s
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e DURATION=30s -e PROFILE_RATE=200 -e TEMPLATES_RATE=200 \
//          -e CARD_RATE=100 -e SLUG=demo-slug -e MAX_P95_MS=500 -e MAX_ERROR_RATE=0.01 loadtest/k6/public.js
//
// The server must run with RATE_LIMIT_PUBLIC_READ_PER_MIN=0: the public-read limit is 120 requests
// per IP per minute and all of k6's requests come from one IP. Seed the profile first with
// `personaworlds seed --demo` on the server's database (setup() creates it through the API if
// /p/SLUG is missing).
//
// setup():   checks /p/SLUG (publishing a persona under SLUG if absent), signs up a fresh user,
//            creates two personas and one battle (POST /rooms/{id}/battles), waits until the
//            battle's reply jobs are done (each reply changes the card) and renders the card once.
// scenarios: three constant-arrival-rate (open-loop) scenarios at their own rates, side by side.
// Thresholds (non-zero exit when missed), per endpoint and overall: error rate < MAX_ERROR_RATE
// (non-2xx/304, transport errors, or a 200 whose body is wrong), p95 < MAX_P95_MS.
import http from 'k6/http';
import { check, fail, sleep } from 'k6';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const DURATION = __ENV.DURATION || '60s';
const SLUG = __ENV.SLUG || 'demo-slug';
const MAX_P95_MS = parseFloat(__ENV.MAX_P95_MS || '500');
const MAX_ERROR_RATE = parseFloat(__ENV.MAX_ERROR_RATE || '0.01');
const RATES = {
  profile: parseInt(__ENV.PROFILE_RATE || '200', 10),
  templates: parseInt(__ENV.TEMPLATES_RATE || '200', 10),
  card: parseInt(__ENV.CARD_RATE || '100', 10),
};

function scenario(exec, rate) {
  return {
    executor: 'constant-arrival-rate',
    exec,
    rate,
    timeUnit: '1s',
    duration: DURATION,
    // Reads take milliseconds; these only matter when the server slows down (open loop: k6
    // starts more VUs instead of sending less, up to maxVUs, then reports dropped_iterations).
    preAllocatedVUs: Math.max(10, Math.ceil(rate / 10)),
    maxVUs: Math.max(50, rate * 2),
  };
}

const scenarios = {};
const thresholds = {
  // Only the load requests (tag phase:load): setup's probes, e.g. a 404 for a missing profile,
  // must not count.
  'http_req_failed{phase:load}': [`rate<${MAX_ERROR_RATE}`],
  'http_req_duration{phase:load}': [`p(95)<${MAX_P95_MS}`],
  'checks{phase:load}': [`rate>${1 - MAX_ERROR_RATE}`],
};
for (const [name, rate] of Object.entries(RATES)) {
  if (rate <= 0) continue;
  scenarios[name] = scenario(name, rate);
  thresholds[`http_req_failed{endpoint:${name}}`] = [`rate<${MAX_ERROR_RATE}`];
  thresholds[`http_req_duration{endpoint:${name}}`] = [`p(95)<${MAX_P95_MS}`];
  thresholds[`checks{endpoint:${name}}`] = [`rate>${1 - MAX_ERROR_RATE}`];
}

export const options = {
  setupTimeout: '120s',
  scenarios,
  thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'p(95)', 'p(99)', 'max'],
};

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function mustStatus(r, want, what) {
  if (r.status !== want) fail(`${what}: HTTP ${r.status} (want ${want}): ${String(r.body).slice(0, 300)}`);
  return r;
}

function queueDepth() {
  const r = http.get(`${BASE_URL}/metrics`, { tags: { name: 'setup' } });
  if (r.status !== 200) return -1;
  const m = /^queue_depth\{type="generate_reply"\}\s+(\S+)/m.exec(r.body);
  return m ? parseFloat(m[1]) : 0;
}

function signup(label) {
  const email = `${label}-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.com`;
  const r = mustStatus(http.post(`${BASE_URL}/auth/signup`, JSON.stringify({ email, password: `${label}-password` }),
    { headers: JSON_HEADERS, tags: { name: 'setup' } }), 201, 'POST /auth/signup');
  const token = r.json('token');
  return { headers: { ...JSON_HEADERS, Authorization: `Bearer ${token}` }, tags: { name: 'setup' } };
}

function createPersona(params, name) {
  return mustStatus(http.post(`${BASE_URL}/personas`, JSON.stringify({
    name,
    writing_samples: ['Short and concrete.', 'I ask one question at a time.', 'Numbers over adjectives.'],
    preferred_language: 'en',
  }), params), 201, 'POST /personas').json('id');
}

function firstRoom(params) {
  const rooms = mustStatus(http.get(`${BASE_URL}/rooms`, params), 200, 'GET /rooms').json('rooms');
  if (!rooms || rooms.length === 0) fail('GET /rooms returned no rooms');
  return rooms[0].id;
}

export function setup() {
  // The profile: normally from `personaworlds seed --demo`; else publish one under SLUG.
  const probe = http.get(`${BASE_URL}/p/${SLUG}`,
    { tags: { name: 'setup' }, responseCallback: http.expectedStatuses(200, 404) });
  if (probe.status === 404) {
    const params = signup('k6-public-profile');
    const persona = createPersona(params, 'Public Baseline Profile');
    const draft = mustStatus(http.post(`${BASE_URL}/rooms/${firstRoom(params)}/posts/draft`,
      JSON.stringify({ persona_id: persona }), params), 201, 'POST /rooms/{id}/posts/draft');
    mustStatus(http.post(`${BASE_URL}/posts/${draft.json('id')}/approve`, null, params), 200, 'POST /posts/{id}/approve');
    const pub = mustStatus(http.post(`${BASE_URL}/personas/${persona}/publish-profile`, JSON.stringify({ slug: SLUG }),
      params), 200, 'POST /personas/{id}/publish-profile');
    if (pub.json('slug') !== SLUG) fail(`slug ${SLUG} is taken by a private profile (got ${pub.json('slug')})`);
  } else if (probe.status !== 200) {
    fail(`GET /p/${SLUG}: HTTP ${probe.status}`);
  }

  // The battle whose card is read.
  const params = signup('k6-public');
  createPersona(params, 'Public Baseline 1');
  createPersona(params, 'Public Baseline 2');
  const battle = mustStatus(http.post(`${BASE_URL}/rooms/${firstRoom(params)}/battles`,
    JSON.stringify({ topic: 'Go vs Rust' }), params), 201, 'POST /rooms/{id}/battles').json('battle_id');
  // Each reply to the battle changes the card's ETag and so its cache entry: wait for them.
  for (let i = 0; i < 120 && queueDepth() > 0; i++) sleep(0.25);
  const card = http.get(`${BASE_URL}/b/${battle}/card.png`, { tags: { name: 'setup' }, responseType: 'none' });
  if (card.status !== 200 || !String(card.headers['Content-Type'] || '').startsWith('image/png')) {
    fail(`GET /b/${battle}/card.png: HTTP ${card.status} ${card.headers['Content-Type']}`);
  }
  console.log(`setup: profile /p/${SLUG}, battle ${battle}`);
  return { battle };
}

function get(path, endpoint, extra) {
  return http.get(`${BASE_URL}${path}`, { tags: { phase: 'load', endpoint, name: `GET ${endpoint}` }, ...extra });
}

const ok = (r) => (r.status >= 200 && r.status < 300) || r.status === 304;

export function profile() {
  const r = get(`/p/${SLUG}`, 'profile');
  check(r, {
    'profile: 2xx/304 with the profile': (res) => ok(res) &&
      (res.status === 304 || (res.json('profile.slug') === SLUG && Array.isArray(res.json('latest_posts')))),
  }, { phase: 'load', endpoint: 'profile' });
}

export function templates() {
  const r = get('/templates', 'templates');
  check(r, {
    'templates: 2xx/304 with a list': (res) => ok(res) && (res.status === 304 || Array.isArray(res.json('templates'))),
  }, { phase: 'load', endpoint: 'templates' });
}

export function card(data) {
  // The body is not needed here (the PNG signature was checked in setup); k6 then skips buffering it.
  const r = get(`/b/${data.battle}/card.png`, 'card', { responseType: 'none' });
  check(r, {
    'card: 2xx/304 image/png': (res) => ok(res) &&
      (res.status === 304 || String(res.headers['Content-Type'] || '').startsWith('image/png')),
  }, { phase: 'load', endpoint: 'card' });
}
