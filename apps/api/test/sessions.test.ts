import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import type { SessionListResponse } from '@app/shared-types';
import { cleanup, createTestApp, signInAgent, type SignedInAgent, type TestApp } from '@app/api/testing';
import { userSessionsKey } from '../src/session/user-sessions.js';
import { getSession, sessionCookieFrom, signInAs, startBff, type TestBff } from './support/bff.js';
import { recordOf, sidOf } from './support/tokens.js';

// Three BFFs on one emulator: default timeouts (listing, ending, write throttling), a 2-second
// idle timeout, and an absolute lifetime capped by a 1-hour refresh token; and one in-process app
// of the testing kit for the supertest tests.
let idp: SpawnedEmulator;
let bff: TestBff;
let idle: TestBff;
let capped: TestBff;
let kit: TestApp;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  [bff, idle, capped] = await Promise.all([
    startBff({ issuer: idp.issuer }),
    startBff({ issuer: idp.issuer, env: { SESSION_IDLE_TIMEOUT_SECONDS: '2' } }),
    startBff({ issuer: idp.issuer, env: { SESSION_IDLE_TIMEOUT_SECONDS: '60', SESSION_TTL_SECONDS: '86400', REFRESH_TOKEN_TTL_SECONDS: '3600' } }),
  ]);
  kit = await createTestApp({ COGNITO_ISSUER: idp.issuer, REDIS_URL: inject('redisUrl') });
});
afterAll(async () => {
  await Promise.all([bff?.close(), idle?.close(), capped?.close(), kit?.close()]);
  await cleanup();
  await idp?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The real sign-in flow, with the browser's User-Agent on the callback; returns the cookie and all Set-Cookie lines. */
async function signInWithAgent(on: TestBff, username: string, userAgent: string) {
  const login = await fetch(`${on.url}/auth/login`, { redirect: 'manual', headers: { 'user-agent': userAgent } });
  const callbackUrl = await signIn(login.headers.get('location')!, username, 'Passw0rd!');
  const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: sessionCookieFrom(login)!, 'user-agent': userAgent } });
  const cookie = sessionCookieFrom(callback);
  if (callback.status !== 302 || !cookie) throw new Error(`callback failed: ${callback.status}`);
  return { cookie, setCookie: callback.headers.getSetCookie() };
}

async function listSessions(on: TestBff, cookie?: string) {
  const res = await fetch(`${on.url}/sessions`, { headers: cookie ? { cookie } : {} });
  return { res, body: (await res.json()) as SessionListResponse & { code?: string } };
}

const endSession = (on: TestBff, cookie: string, id: string, csrf = true) =>
  fetch(`${on.url}/sessions/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { cookie, ...(csrf ? { 'x-csrf': '1' } : {}) } });

const logout = (on: TestBff, cookie: string, body?: string) =>
  fetch(`${on.url}/auth/logout`, {
    method: 'POST',
    headers: { cookie, 'x-csrf': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });

const isSignedIn = async (on: TestBff, cookie: string) => (await getSession(on, cookie)).body.authenticated === true;
const tokenHash = (on: TestBff, cookie: string) => on.deps.tokens.keys(sidOf(on, cookie)).tokens;

describe('GET /sessions', () => {
  it("lists the user's own sessions with device and times, flags the current one, and never shows another user's", async () => {
    const laptop = await signInWithAgent(bff, 'alice', 'Mozilla/5.0 (Macintosh) Firefox/128.0');
    const phone = await signInWithAgent(bff, 'alice', 'Mozilla/5.0 (iPhone;\t\tCPU)   Mobile Safari/604.1');
    const bob = await signInWithAgent(bff, 'bob', 'curl/8.0');

    const { res, body } = await listSessions(bff, laptop.cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const alices = body.sessions.filter((s) => s.userAgent.includes('Firefox/128.0') || s.userAgent.includes('iPhone'));
    expect(alices).toHaveLength(2);
    expect(body.sessions.filter((s) => s.current)).toHaveLength(1);
    expect(body.sessions.find((s) => s.current)?.userAgent).toBe('Mozilla/5.0 (Macintosh) Firefox/128.0');
    expect(body.sessions.map((s) => s.userAgent)).toContain('Mozilla/5.0 (iPhone; CPU) Mobile Safari/604.1'); // sanitised
    expect(body.sessions.some((s) => s.userAgent === 'curl/8.0')).toBe(false);
    const now = nowSeconds();
    for (const s of body.sessions) {
      expect(s.id).toMatch(/^[\w-]{22}$/);
      expect(s.createdAt).toBeGreaterThan(now - 60);
      expect(s.lastSeenAt).toBeGreaterThanOrEqual(s.createdAt);
    }
    // the handle is not the session id: the list reveals no cookie value
    const text = JSON.stringify(body);
    for (const cookie of [laptop.cookie, phone.cookie, bob.cookie]) expect(text).not.toContain(sidOf(bff, cookie));

    const bobs = await listSessions(bff, bob.cookie);
    expect(bobs.body.sessions).toHaveLength(1);
    expect(bobs.body.sessions[0]).toMatchObject({ current: true, userAgent: 'curl/8.0' });
    expect(body.sessions.map((s) => s.id)).not.toContain(bobs.body.sessions[0]!.id);
  });

  it('answers 401 problem+json without a live session', async () => {
    const anonymous = await listSessions(bff);
    expect(anonymous.res.status).toBe(401);
    expect(anonymous.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(anonymous.body.code).toBe('unauthenticated');

    const { cookie } = await signInAs(bff, 'bob');
    await logout(bff, cookie);
    const ended = await listSessions(bff, cookie);
    expect(ended.res.status).toBe(401);
    expect(ended.res.headers.get('set-cookie')).toMatch(/bff\.sid=;/);
  });
});

describe('signing in again in the same browser', () => {
  it('ends the session it replaces: its keys go, its refresh token is revoked, and it leaves the list', async () => {
    const first = await signInAs(bff, 'alice');
    const firstSid = sidOf(bff, first.cookie);
    const firstHandle = bff.deps.userSessions.handleOf(firstSid);
    const before = await idp.stats();
    const second = await signInAs(bff, 'alice', '/', first.cookie);
    expect(sidOf(bff, second.cookie)).not.toBe(firstSid);
    expect((await idp.stats()).revocations).toBe(before.revocations + 1);
    expect(await bff.deps.tokens.read(firstSid)).toBeUndefined();
    expect(await isSignedIn(bff, first.cookie)).toBe(false);
    expect((await listSessions(bff, second.cookie)).body.sessions.map((s) => s.id)).not.toContain(firstHandle);
  });
});

describe('DELETE /sessions/:id', () => {
  it('ends the other session: its cookie reads as anonymous and its refresh token is revoked at the IdP', async () => {
    const mine = await signInAs(bff, 'alice');
    const other = await signInAs(bff, 'alice');
    const { body } = await listSessions(bff, mine.cookie);
    const target = body.sessions.find((s) => s.id === bff.deps.userSessions.handleOf(sidOf(bff, other.cookie)))!;
    expect(target).toMatchObject({ current: false });
    const otherRefresh = (await recordOf(bff, other.cookie)).record.refreshToken;
    expect(otherRefresh).toBeDefined();

    const withoutCsrf = await endSession(bff, mine.cookie, target.id, false);
    expect(withoutCsrf.status).toBe(403);
    expect(await isSignedIn(bff, other.cookie)).toBe(true);

    const before = await idp.stats();
    const res = await endSession(bff, mine.cookie, target.id);
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toBeNull(); // my own cookie stays
    expect((await idp.stats()).revocations).toBe(before.revocations + 1);
    expect((await getSession(bff, other.cookie)).body).toEqual({ authenticated: false });
    expect(await isSignedIn(bff, mine.cookie)).toBe(true);
    expect((await listSessions(bff, mine.cookie)).body.sessions.map((s) => s.id)).not.toContain(target.id);
    expect(await bff.deps.redis.exists(tokenHash(bff, other.cookie))).toBe(0);

    const again = await endSession(bff, mine.cookie, target.id);
    expect(again.status).toBe(404);
  });
});

// The same routes in-process through the testing kit (@app/api/testing) and supertest agents.
describe('GET and DELETE /sessions, in-process', () => {
  const signInAgentAs = (username: string) => signInAgent(kit, { username, password: 'Passw0rd!', emulatorIssuer: idp.issuer });
  const handleOfCurrent = async (agent: SignedInAgent) => ((await agent.get('/sessions').expect(200)).body as SessionListResponse).sessions.find((s) => s.current)!.id;

  it("answers 404 for another user's session (and for garbage) and leaves it alone", async () => {
    const alice = await signInAgentAs('alice');
    const bob = await signInAgentAs('bob');
    const bobsId = await handleOfCurrent(bob);

    const res = await alice.delete(`/sessions/${bobsId}`).set('X-CSRF', '1').expect(404).expect('content-type', /^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'not_found', status: 404 });
    await alice.delete(`/sessions/${'x'.repeat(22)}`).set('X-CSRF', '1').expect(404);
    const [bobsSession] = await kit.deps.userSessions.list((await bob.get('/session')).body.user.sub);
    await alice.delete(`/sessions/${bobsSession!.sid}`).set('X-CSRF', '1').expect(404); // a raw session id is no handle
    expect((await bob.get('/session')).body.authenticated).toBe(true);
  });

  it('ending the current session clears its cookie', async () => {
    const alice = await signInAgentAs('alice');
    const res = await alice.delete(`/sessions/${await handleOfCurrent(alice)}`).set('X-CSRF', '1').expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/bff\.sid=;/);
    expect((await alice.get('/session')).body).toEqual({ authenticated: false });
  });
});

describe('POST /auth/logout with {"everywhere": true}', () => {
  it("ends every session of the user, revoking each refresh token, and leaves other users' sessions", async () => {
    const one = await signInAs(bff, 'alice');
    const two = await signInAs(bff, 'alice');
    const bob = await signInAs(bff, 'bob');
    const alicesLive = (await listSessions(bff, one.cookie)).body.sessions.length;
    expect(alicesLive).toBeGreaterThanOrEqual(2);
    const aliceIndex = userSessionsKey(bff.deps.config.redisKeyPrefix, (await recordOf(bff, one.cookie)).record.user.sub);

    const before = await idp.stats();
    const res = await logout(bff, one.cookie, JSON.stringify({ everywhere: true }));
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty('logoutUrl');
    expect(res.headers.get('set-cookie')).toMatch(/bff\.sid=;/);
    expect((await idp.stats()).revocations).toBe(before.revocations + alicesLive);
    expect(await isSignedIn(bff, one.cookie)).toBe(false);
    expect(await isSignedIn(bff, two.cookie)).toBe(false);
    expect(await isSignedIn(bff, bob.cookie)).toBe(true);
    expect((await listSessions(bff, bob.cookie)).body.sessions.length).toBeGreaterThanOrEqual(1);
    expect(await bff.deps.redis.exists([tokenHash(bff, one.cookie), tokenHash(bff, two.cookie)])).toBe(0);
    expect(await bff.deps.redis.zCard(aliceIndex)).toBe(0);
  });

  it('without a body ends only this session and takes it off the list', async () => {
    const one = await signInAs(bff, 'alice');
    const two = await signInAs(bff, 'alice');
    const oneId = (await listSessions(bff, one.cookie)).body.sessions.find((s) => s.current)!.id;
    expect((await logout(bff, one.cookie)).status).toBe(200);
    expect(await isSignedIn(bff, two.cookie)).toBe(true);
    expect((await listSessions(bff, two.cookie)).body.sessions.map((s) => s.id)).not.toContain(oneId);
  });

  it.each(['{not json', '{"everywhere": "yes"}', '[true]'])('answers 400 bad_request to the body %j and ends nothing', async (body) => {
    const { cookie } = await signInAs(bff, 'alice');
    const res = await logout(bff, cookie, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'bad_request' });
    expect(await isSignedIn(bff, cookie)).toBe(true);
  });
});

describe('idle timeout (sliding)', () => {
  it('a session idle longer than SESSION_IDLE_TIMEOUT_SECONDS reads as anonymous, and its keys are gone', async () => {
    const { cookie } = await signInAs(idle, 'alice');
    expect(await isSignedIn(idle, cookie)).toBe(true);
    await sleep(3_100);
    const { res, body } = await getSession(idle, cookie);
    expect(body).toEqual({ authenticated: false });
    expect(res.headers.get('set-cookie')).toMatch(/bff\.sid=;/);
    const sid = sidOf(idle, cookie);
    expect(await idle.deps.redis.exists([tokenHash(idle, cookie), `${idle.deps.config.redisKeyPrefix}sess:${sid}`])).toBe(0);
  });

  it('a session used every second stays alive well past the idle timeout', async () => {
    const { cookie } = await signInAs(idle, 'alice');
    const started = Date.now();
    while (Date.now() - started < 4_500) {
      await sleep(1_000);
      expect(await isSignedIn(idle, cookie)).toBe(true);
    }
    // alive at 4.5 s with a 2 s timeout, and its expiry never exceeds the timeout
    expect(await idle.deps.redis.pTTL(tokenHash(idle, cookie))).toBeLessThanOrEqual(2_000);
    expect((await listSessions(idle, cookie)).body.sessions).toHaveLength(1);
  });

  it('does not write on every call: activity is recorded at most once per interval', async () => {
    const { cookie } = await signInAs(bff, 'alice');
    const key = tokenHash(bff, cookie);
    const seenAtSignIn = await bff.deps.redis.hGet(key, 's');
    const versionAtSignIn = await bff.deps.redis.hGet(key, 'v');
    const ttlBefore = await bff.deps.redis.pTTL(key);
    expect(bff.deps.activity.touchIntervalSeconds).toBe(60);

    // a dozen calls spread over more than a second boundary: no HSET of `s`, no TTL reset
    for (let i = 0; i < 12; i++) {
      expect(await isSignedIn(bff, cookie)).toBe(true);
      await sleep(100);
    }
    await sleep(50); // a fire-and-forget touch, had there been one, has landed
    expect(await bff.deps.redis.hGet(key, 's')).toBe(seenAtSignIn);
    expect(await bff.deps.redis.pTTL(key)).toBeLessThan(ttlBefore - 1_000);

    // once `s` is older than the interval, the next call records activity once and slides the expiry
    const stale = nowSeconds() - 61;
    await bff.deps.redis.hSet(key, 's', String(stale));
    expect(await isSignedIn(bff, cookie)).toBe(true);
    await sleep(50);
    expect(Number(await bff.deps.redis.hGet(key, 's'))).toBeGreaterThanOrEqual(nowSeconds() - 1);
    expect(await bff.deps.redis.pTTL(key)).toBeGreaterThan(ttlBefore - 1_000);
    expect(await bff.deps.redis.hGet(key, 'v')).toBe(versionAtSignIn); // a touch is not a token write
  });
});

describe('absolute lifetime', () => {
  it('is capped at REFRESH_TOKEN_TTL_SECONDS at sign-in (cookie, /session and the keys)', async () => {
    const { cookie, setCookie } = await signInWithAgent(capped, 'alice', 'test');
    const { body } = await getSession(capped, cookie);
    expect(body.sessionExpiresAt).toBeGreaterThanOrEqual(nowSeconds() + 3600 - 5);
    expect(body.sessionExpiresAt).toBeLessThanOrEqual(nowSeconds() + 3600);
    expect(setCookie.join('\n')).toMatch(/bff\.sid=.*Expires=/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(setCookie.find((l) => l.startsWith('bff.sid='))!)![1]!);
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(10_000);
    expect(await capped.deps.redis.ttl(tokenHash(capped, cookie))).toBeLessThanOrEqual(60); // idle timeout first
    const { score } = (await capped.deps.redis.zRangeWithScores(userSessionsKey(capped.deps.config.redisKeyPrefix, (await recordOf(capped, cookie)).record.user.sub), -1, -1))[0]!;
    expect(score).toBe(body.sessionExpiresAt);
  });

  it('sliding never carries a session past its absolute expiry, however busy it is', async () => {
    const { cookie } = await signInAs(capped, 'alice');
    // shorten this session's absolute expiry to 2 s from now (white-box: the sealed record holds it)
    const current = await recordOf(capped, cookie);
    const sid = sidOf(capped, cookie);
    expect(await capped.deps.tokens.compareAndSet(sid, current.version, { ...current.record, sessionExpiresAt: nowSeconds() + 2 })).toBe('written');
    await capped.deps.redis.hSet(tokenHash(capped, cookie), 's', String(nowSeconds() - 10)); // due for a touch (interval 6 s)

    expect(await isSignedIn(capped, cookie)).toBe(true);
    await sleep(50);
    expect(await capped.deps.redis.pTTL(tokenHash(capped, cookie))).toBeLessThanOrEqual(2_000); // not idle's 60 s
    let signedIn = true;
    const started = Date.now();
    while (signedIn && Date.now() - started < 5_000) {
      await sleep(250);
      signedIn = await isSignedIn(capped, cookie);
    }
    expect(signedIn).toBe(false);
    expect(Date.now() - started).toBeLessThan(3_500);
  });
});
