// Phase 3 queue stress for k6 (equivalent of `python3 loadtest/run.py queue`, against a running server).
//
//   k6 run loadtest/k6/queue.js                                   # 50 req/s for 60s on 127.0.0.1:8080
//   k6 run -e BASE_URL=http://127.0.0.1:8080 -e RATE=50 -e DURATION=60s -e DRAIN_TIMEOUT=120 loadtest/k6/queue.js
//
// setup():    signs up a fresh user, creates PERSONAS personas (high quotas) and one published post
//             per request (RATE x DURATION posts: draft + approve, in parallel batches).
// default():  constant-arrival-rate (open loop): iteration i sends POST /posts/{post i}/generate-replies {}
//             so every request enqueues one generate_reply job per persona.
// teardown(): polls /metrics every 250 ms until queue_depth{type="generate_reply"} is 0, then checks
//             that jobs_processed_total{status="done",type="generate_reply"} grew by POSTS x PERSONAS.
//
// Thresholds (non-zero exit when missed): http_req_failed < 1%, queue drained, done == enqueued.
// The server must run with high enough limits; start it with e.g. MOCK_LLM_LATENCY=50ms WORKER_CONCURRENCY=4.
import http from 'k6/http';
import exec from 'k6/execution';
import { check, fail, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';

const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const RATE = parseInt(__ENV.RATE || '50', 10);
const DURATION = __ENV.DURATION || '60s';
const PERSONAS = parseInt(__ENV.PERSONAS || '3', 10);
const DRAIN_TIMEOUT = parseFloat(__ENV.DRAIN_TIMEOUT || '120');
const BATCH = 32;

function seconds(d) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(d);
  if (!m) throw new Error(`bad DURATION ${d}`);
  const mult = { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] || 's'];
  return parseFloat(m[1]) * mult;
}

const REQUESTS = Math.round(RATE * seconds(DURATION));
const POSTS = parseInt(__ENV.POSTS || String(REQUESTS), 10);

const enqueued = new Counter('jobs_enqueued');
const skipped = new Counter('jobs_skipped');
const drainSeconds = new Trend('queue_drain_seconds');
const drained = new Rate('queue_drained');
const doneMatches = new Rate('jobs_done_matches_enqueued');

export const options = {
  setupTimeout: '600s',
  teardownTimeout: `${Math.ceil(DRAIN_TIMEOUT) + 60}s`,
  scenarios: {
    queue: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Math.max(20, RATE * 2),
      maxVUs: Math.max(100, RATE * 8),
    },
  },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    'http_req_duration{name:generate-replies}': ['p(99)<2000'],
    queue_drained: ['rate==1'],
    jobs_done_matches_enqueued: ['rate==1'],
  },
};

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function auth(token) {
  return { headers: { ...JSON_HEADERS, Authorization: `Bearer ${token}` } };
}

function metricValue(text, name, labels) {
  // Matches `name{a="x",b="y"} value` whatever the label order.
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && line.split(' ')[0] !== name) continue;
    const m = /^([^{\s]+)(\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = {};
    (m[3] || '').replace(/(\w+)="([^"]*)"/g, (_, k, v) => { got[k] = v; return ''; });
    if (Object.keys(labels).every((k) => got[k] === labels[k])) return parseFloat(m[4]);
  }
  return 0;
}

function scrape() {
  const r = http.get(`${BASE_URL}/metrics`, { tags: { name: 'metrics' } });
  if (r.status !== 200) fail(`GET /metrics: HTTP ${r.status}`);
  return {
    depth: metricValue(r.body, 'queue_depth', { type: 'generate_reply' }),
    done: metricValue(r.body, 'jobs_processed_total', { status: 'done', type: 'generate_reply' }),
  };
}

export function setup() {
  const email = `k6-queue-${Date.now()}-${Math.floor(Math.random() * 1e9)}@example.com`;
  const signup = http.post(`${BASE_URL}/auth/signup`, JSON.stringify({ email, password: 'k6-queue-password' }),
    { headers: JSON_HEADERS, tags: { name: 'setup' } });
  if (signup.status !== 201) fail(`signup: HTTP ${signup.status} ${signup.body}`);
  const token = signup.json('token');
  const params = { ...auth(token), tags: { name: 'setup' } };

  const rooms = http.get(`${BASE_URL}/rooms`, params);
  if (rooms.status !== 200) fail(`GET /rooms: HTTP ${rooms.status}`);
  const roomIDs = rooms.json('rooms').map((r) => r.id);
  if (roomIDs.length === 0) fail('no rooms');

  const personas = [];
  for (let i = 0; i < PERSONAS; i++) {
    const r = http.post(`${BASE_URL}/personas`, JSON.stringify({
      name: `k6 Queue ${i + 1}`,
      writing_samples: ['Short and concrete.', 'I ask one question at a time.', 'Numbers over adjectives.'],
      preferred_language: 'en',
      daily_draft_quota: 100000,
      daily_reply_quota: 100000,
    }), params);
    if (r.status !== 201) fail(`POST /personas: HTTP ${r.status} ${r.body}`);
    personas.push(r.json('id'));
  }

  const posts = [];
  for (let start = 0; start < POSTS; start += BATCH) {
    const n = Math.min(BATCH, POSTS - start);
    const drafts = http.batch(Array.from({ length: n }, (_, j) => ['POST',
      `${BASE_URL}/rooms/${roomIDs[(start + j) % roomIDs.length]}/posts/draft`,
      JSON.stringify({ persona_id: personas[(start + j) % personas.length] }), params]));
    const ids = drafts.map((r) => {
      if (r.status !== 201) fail(`draft: HTTP ${r.status} ${r.body}`);
      return r.json('id');
    });
    const approvals = http.batch(ids.map((id) => ['POST', `${BASE_URL}/posts/${id}/approve`, null, params]));
    approvals.forEach((r) => { if (r.status !== 200) fail(`approve: HTTP ${r.status} ${r.body}`); });
    posts.push(...ids);
  }
  if (POSTS < REQUESTS) console.warn(`${POSTS} posts for ${REQUESTS} requests: repeats only yield "skipped"`);

  const baseline = scrape();
  console.log(`setup: ${personas.length} personas, ${posts.length} published posts; done baseline ${baseline.done}`);
  return { token, posts, personas: personas.length, baselineDone: baseline.done };
}

export default function (data) {
  const i = exec.scenario.iterationInTest;
  const post = data.posts[i % data.posts.length];
  const r = http.post(`${BASE_URL}/posts/${post}/generate-replies`, '{}',
    { ...auth(data.token), tags: { name: 'generate-replies' } });
  const ok = check(r, { 'status 200': (res) => res.status === 200 });
  if (ok) {
    enqueued.add(r.json('enqueued') || 0);
    skipped.add(r.json('skipped') || 0);
  }
}

export function teardown(data) {
  // k6 does not expose the enqueued counter here: with one request per post and every request
  // successful, the expected number is min(POSTS, REQUESTS) x PERSONAS.
  const expected = Math.min(data.posts.length, REQUESTS) * data.personas;
  const start = Date.now();
  let snap = scrape();
  while (snap.depth > 0 && (Date.now() - start) / 1000 < DRAIN_TIMEOUT) {
    sleep(0.25);
    snap = scrape();
  }
  const elapsed = (Date.now() - start) / 1000;
  const ok = snap.depth === 0;
  drained.add(ok);
  if (ok) drainSeconds.add(elapsed);
  // The done counter is bumped right after a job's row turns DONE; allow a moment to settle.
  let done = snap.done - data.baselineDone;
  for (let k = 0; ok && done < expected && k < 20; k++) {
    sleep(0.25);
    done = scrape().done - data.baselineDone;
  }
  doneMatches.add(done === expected);
  console.log(`teardown: queue ${ok ? `drained in ${elapsed.toFixed(2)}s` : `NOT drained after ${DRAIN_TIMEOUT}s (depth ${snap.depth})`}; ` +
    `jobs done ${done}, expected ${expected}`);
}
