import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { deleteKeys, getSession, sessionCookieFrom, startBff, testPrefix, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { recordOf, sidOf, tokensFor, waitUntilRefreshIsDue } from './support/tokens.js';

// 2 s access tokens, so one test sees a real refresh
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
const logLines: string[] = [];
const captured = { write: (chunk: string) => void logLines.push(chunk) };
const started: TestBff[] = [];

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 6 });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, env: { LOG_LEVEL: 'trace', UPSTREAM_TIMEOUT_MS: '300' }, logDestination: captured });
});
afterAll(async () => {
  await Promise.all(started.map((b) => b.close()));
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logEntries = () => logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
const api = (base: string, cookie: string, path = '/hello', headers: Record<string, string> = {}) =>
  fetch(`${base}/api${path}`, { headers: { cookie, 'x-csrf': '1', ...headers } });

async function waitForExpiry(on: TestBff, cookie: string) {
  await waitUntilRefreshIsDue((await recordOf(on, cookie)).record.accessTokenExpiresAt);
}

async function metricsText(on: TestBff, headers: Record<string, string> = {}) {
  const res = await fetch(`${on.url}/metrics`, { headers });
  return { res, text: await res.text() };
}

/** Value of one sample line (`name{labels} value`) in a Prometheus exposition; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Signs in step by step, keeping what a log must never show: the code, the state, both cookies. */
async function signInKeepingSecrets(on: TestBff) {
  const login = await fetch(`${on.url}/auth/login?returnTo=/`, { redirect: 'manual' });
  const preLoginCookie = sessionCookieFrom(login)!;
  const callbackUrl = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
  const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: preLoginCookie } });
  const cookie = sessionCookieFrom(callback)!;
  return { cookie, preLoginCookie, code: callbackUrl.searchParams.get('code')!, state: callbackUrl.searchParams.get('state')! };
}

describe('logs: a full journey at LOG_LEVEL=trace shows every event and no secret', () => {
  it('sign-in, API call, refresh, bearer call and logout: no token, cookie, code or secret in the log, and the expected events', async () => {
    logLines.length = 0;
    const { cookie, preLoginCookie, code, state } = await signInKeepingSecrets(bff);
    const reqId = `journey-${randomUUID()}`;
    const first = await api(bff.url, cookie, '/hello', { 'x-request-id': reqId });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-request-id')).toBe(reqId);
    const before = await recordOf(bff, cookie);

    await waitForExpiry(bff, cookie);
    expect((await api(bff.url, cookie)).status).toBe(200); // refreshes first
    const after = await recordOf(bff, cookie);
    expect(after.record.accessToken).not.toBe(before.record.accessToken);

    const bearer = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' });
    expect((await fetch(`${bff.url}/api/hello`, { headers: { authorization: `Bearer ${bearer.access_token}` } })).status).toBe(200);
    expect((await fetch(`${bff.url}/session`, { headers: { cookie } })).status).toBe(200);
    const logout = await fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } });
    expect(logout.status).toBe(200);
    await sleep(50); // request lines are written when each response closes

    const log = logLines.join('');
    const cookieValue = (c: string) => c.slice(c.indexOf('=') + 1);
    const secrets: Record<string, string | undefined> = {
      'access token': before.record.accessToken,
      'refresh token': before.record.refreshToken,
      'ID token': before.record.idToken,
      'refreshed access token': after.record.accessToken,
      'refreshed ID token': after.record.idToken,
      'bearer access token': bearer.access_token,
      'bearer ID token': bearer.id_token,
      'bearer refresh token': bearer.refresh_token,
      'session cookie': cookieValue(cookie),
      'session cookie (decoded)': decodeURIComponent(cookieValue(cookie)),
      'pre-login cookie': decodeURIComponent(cookieValue(preLoginCookie)),
      'session id': sidOf(bff, cookie),
      'authorization code': code,
      state,
      'client secret': bff.deps.config.cognito.clientSecret,
      'session secret': bff.deps.config.sessionSecret,
    };
    for (const [what, value] of Object.entries(secrets)) {
      expect(value, what).toBeTruthy();
      expect(log.includes(value!), `${what} appears in the log`).toBe(false);
    }
    expect(log).not.toMatch(/eyJ/); // no JWT, nor any piece of one

    const entries = logEntries();
    expect(entries.find((e) => e.event === 'login' && e.outcome === 'signed_in')).toBeDefined();
    const refresh = entries.find((e) => e.event === 'refresh');
    expect(refresh).toMatchObject({ outcome: 'refreshed', durationMs: expect.any(Number), waitedMs: 0 });
    expect(entries.find((e) => e.event === 'logout' && e.outcome === 'signed_out')).toBeDefined();
    const requests = entries.filter((e) => e.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(7);
    for (const r of requests) expect(r).toMatchObject({ reqId: expect.any(String), method: expect.any(String), path: expect.any(String), status: expect.any(Number), ms: expect.any(Number) });
    expect(requests.find((r) => r.reqId === reqId)).toMatchObject({ method: 'GET', path: '/api/hello', status: 200 });
    expect(requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/auth/login', '/auth/callback', '/api/hello', '/session', '/auth/logout']));
  });
});

describe('request ids', () => {
  it('echoes a sane X-Request-Id and replaces a missing or unsafe one with a generated UUID', async () => {
    const sane = await fetch(`${bff.url}/healthz`, { headers: { 'x-request-id': 'abc-123.def:456_x' } });
    expect(sane.headers.get('x-request-id')).toBe('abc-123.def:456_x');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const unsafe of ['has spaces', 'a'.repeat(129), '<script>', 'line\u00e9']) {
      const res = await fetch(`${bff.url}/session`, { headers: { 'x-request-id': unsafe } });
      expect(res.headers.get('x-request-id'), unsafe).toMatch(uuid);
    }
    const none = await fetch(`${bff.url}/api/x`);
    expect(none.headers.get('x-request-id')).toMatch(uuid);
  });
});

describe('GET /metrics', () => {
  it('answers the Prometheus text format with process metrics and request latency by route group and status class', async () => {
    await fetch(`${bff.url}/healthz`);
    await fetch(`${bff.url}/api/nobody-home`); // 401
    const { res, text } = await metricsText(bff);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/^bff_process_cpu_seconds_total /m);
    expect(text).toMatch(/^bff_nodejs_eventloop_lag_seconds /m);
    expect(sample(text, 'bff_http_request_duration_seconds_count{route="health",status_class="2xx",api_route=""}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'bff_http_request_duration_seconds_count{route="api",status_class="4xx",api_route="/api"}')).toBeGreaterThanOrEqual(1);
  });

  it('keeps cardinality bounded: raw paths never become labels', async () => {
    const marker = `probe${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) {
      await fetch(`${bff.url}/api/${marker}/${i}`);
      await fetch(`${bff.url}/${marker}-${i}`);
    }
    const { text } = await metricsText(bff);
    expect(text).not.toContain(marker);
    const routes = new Set([...text.matchAll(/[{,]route="([^"]+)"/g)].map((m) => m[1]));
    for (const route of routes) expect(['api', 'session', 'auth', 'health', 'web', 'other']).toContain(route);
    const apiRoutes = new Set([...text.matchAll(/api_route="([^"]*)"/g)].map((m) => m[1]));
    expect([...apiRoutes].sort()).toEqual(['', '/api']); // the configured prefixes, nothing else
    expect(sample(text, 'bff_http_request_duration_seconds_count{route="other",status_class="4xx",api_route=""}')).toBeGreaterThanOrEqual(5);
  });

  it('counts refreshes by outcome with their duration, and requests that joined a refresh in flight', async () => {
    const { cookie } = await signInKeepingSecrets(bff);
    const before = await metricsText(bff);
    await waitForExpiry(bff, cookie);
    const burst = await Promise.all(Array.from({ length: 10 }, () => api(bff.url, cookie)));
    expect(burst.map((r) => r.status)).toEqual(Array(10).fill(200));
    const { text } = await metricsText(bff);
    const delta = (series: string) => sample(text, series) - sample(before.text, series);
    expect(delta('bff_refresh_total{outcome="refreshed"}')).toBe(1);
    expect(delta('bff_refresh_duration_seconds_count{outcome="refreshed"}')).toBe(1);
    expect(delta('bff_refresh_duration_seconds_sum{outcome="refreshed"}')).toBeGreaterThan(0);
    expect(delta('bff_refresh_joined_total')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^bff_refresh_total\{outcome="session_expired"\} /m);
    expect(text).toMatch(/^bff_refresh_total\{outcome="idp_unavailable"\} /m);
    expect(text).toMatch(/^bff_refresh_total\{outcome="stale"\} /m);
  });

  it("measures a wait on another instance's refresh lease", async () => {
    const { cookie } = await signInKeepingSecrets(bff);
    await waitForExpiry(bff, cookie);
    // another instance holds the lease for 300 ms and then dies: this one waits, then takes over
    await bff.deps.redis.set(bff.deps.tokens.keys(sidOf(bff, cookie)).lease, 'another-instance', { PX: 300 });
    const before = await metricsText(bff);
    expect((await api(bff.url, cookie)).status).toBe(200);
    const { text } = await metricsText(bff);
    const delta = (series: string) => sample(text, series) - sample(before.text, series);
    expect(delta('bff_refresh_lease_wait_seconds_count{outcome="took_over"}')).toBe(1);
    expect(delta('bff_refresh_lease_wait_seconds_sum{outcome="took_over"}')).toBeGreaterThanOrEqual(0.2);
    expect(delta('bff_refresh_total{outcome="refreshed"}')).toBe(1);
    const line = logEntries().filter((e) => e.event === 'refresh').at(-1);
    expect(line).toMatchObject({ outcome: 'refreshed', waitedMs: expect.any(Number) });
    expect(line!.waitedMs as number).toBeGreaterThanOrEqual(200);
  });

  it('counts upstream errors by kind: unavailable (502) and timeout (504)', async () => {
    const bearer = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' });
    const auth = { authorization: `Bearer ${bearer.access_token}` };
    const before = await metricsText(bff);
    expect((await fetch(`${bff.url}/api/slow?ms=2000`, { headers: auth })).status).toBe(504);
    const { text } = await metricsText(bff);
    expect(sample(text, 'bff_upstream_errors_total{kind="timeout"}') - sample(before.text, 'bff_upstream_errors_total{kind="timeout"}')).toBe(1);

    const deadUpstream = await startBff({ issuer: idp.issuer }); // upstream: a closed port
    started.push(deadUpstream);
    // a token of its own: the first one may have expired (short-lived tokens here) while the second BFF started
    const fresh = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' });
    expect((await fetch(`${deadUpstream.url}/api/x`, { headers: { authorization: `Bearer ${fresh.access_token}` } })).status).toBe(502);
    const dead = await metricsText(deadUpstream);
    expect(sample(dead.text, 'bff_upstream_errors_total{kind="unavailable"}')).toBe(1);
    expect(sample(dead.text, 'bff_upstream_errors_total{kind="timeout"}')).toBe(0);
  });

  it('reports active sessions from a Redis counter: sign-ins add, sign-outs remove, expired ones drop out', async () => {
    const own = await startBff({ issuer: idp.issuer }); // its own key prefix: only its sessions
    started.push(own);
    const gauge = async () => sample((await metricsText(own)).text, 'bff_active_sessions');
    expect(await gauge()).toBe(0);
    const a = await signInKeepingSecrets(own);
    const b = await signInKeepingSecrets(own);
    expect(await gauge()).toBe(2);
    expect((await fetch(`${own.url}/auth/logout`, { method: 'POST', headers: { cookie: a.cookie, 'x-csrf': '1' } })).status).toBe(200);
    expect(await gauge()).toBe(1);
    // a logout without a live session changes nothing
    await fetch(`${own.url}/auth/logout`, { method: 'POST', headers: { cookie: a.cookie, 'x-csrf': '1' } });
    expect(await gauge()).toBe(1);
    const text = (await metricsText(own)).text;
    expect(sample(text, 'bff_sessions_started_total')).toBe(2);
    expect(sample(text, 'bff_sessions_ended_total')).toBe(1);
    // a session past its absolute expiry is not counted, without anyone signing it out
    await own.deps.activeSessions.started('expired-sid', Math.floor(Date.now() / 1000) - 1);
    expect(await gauge()).toBe(1);
    expect(b.cookie).toBeTruthy();
  });

  it('every Redis key of a sign-in, a refresh and a sign-out has a TTL, and the count stays right', async () => {
    const prefix = testPrefix();
    const own = await startBff({ issuer: idp.issuer, keyPrefix: prefix });
    started.push(own);
    const keysWithoutTtl = async () => {
      const found: string[] = [];
      for await (const keys of own.deps.redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        for (const key of keys) if ((await own.deps.redis.ttl(key)) === -1) found.push(key.slice(prefix.length));
      }
      return found;
    };
    const gauge = async () => sample((await metricsText(own)).text, 'bff_active_sessions');
    try {
      const a = await signInKeepingSecrets(own);
      const b = await signInKeepingSecrets(own);
      expect(await keysWithoutTtl()).toEqual([]);
      expect(await gauge()).toBe(2);
      await waitForExpiry(own, a.cookie);
      const before = (await recordOf(own, a.cookie)).version;
      expect((await getSession(own, a.cookie)).body.authenticated).toBe(true); // refreshes first
      expect((await recordOf(own, a.cookie)).version).toBe(before + 1);
      expect(await keysWithoutTtl()).toEqual([]);
      expect((await fetch(`${own.url}/auth/logout`, { method: 'POST', headers: { cookie: a.cookie, 'x-csrf': '1' } })).status).toBe(200);
      expect(await keysWithoutTtl()).toEqual([]);
      expect(await gauge()).toBe(1);
      expect((await getSession(own, b.cookie)).body.authenticated).toBe(true);
    } finally {
      await deleteKeys(prefix);
    }
  });

  it('is not served with METRICS_ENABLED=false, and asks for the bearer METRICS_TOKEN when one is set', async () => {
    const off = await startBff({ issuer: idp.issuer, env: { METRICS_ENABLED: 'false' } });
    started.push(off);
    expect((await fetch(`${off.url}/metrics`)).status).toBe(404);

    const token = 'metrics-token-0123456789';
    const guarded = await startBff({ issuer: idp.issuer, env: { METRICS_TOKEN: token } });
    started.push(guarded);
    const none = await metricsText(guarded);
    expect(none.res.status).toBe(401);
    expect(none.res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.parse(none.text)).toMatchObject({ code: 'unauthenticated' });
    const wrong = await metricsText(guarded, { authorization: 'Bearer metrics-token-0123456780' });
    expect(wrong.res.status).toBe(401);
    expect(JSON.parse(wrong.text)).toMatchObject({ code: 'invalid_token' });
    const right = await metricsText(guarded, { authorization: `Bearer ${token}` });
    expect(right.res.status).toBe(200);
    expect(right.text).toContain('bff_http_request_duration_seconds');
  });
});
