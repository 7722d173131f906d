import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import signature from 'cookie-signature';
import { TokenCipher } from '../src/tokens/crypto.js';
import { getSession, sessionCookieFrom, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';

// One deployment (one key prefix) restarted three times: under secret A, under B with A as a
// previous secret, under B alone. 2 s access tokens with rotating refresh tokens, so a refresh
// after the rotation is real (and a reused refresh token would show in the emulator's counters).
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
const prefix = testPrefix();
const [secretA, secretB] = [testSecret(), testSecret()];
const running: TestBff[] = [];

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 2, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
});
afterAll(async () => {
  await Promise.all(running.map((b) => b.close()));
  await upstream?.close();
  await idp?.stop();
});

async function deployment(secret: string, previous?: string): Promise<TestBff> {
  const bff = await startBff({
    issuer: idp.issuer,
    upstreamUrl: upstream.url,
    keyPrefix: prefix,
    sessionSecret: secret,
    env: previous ? { PREVIOUS_SESSION_SECRETS: previous } : {},
  });
  running.push(bff);
  return bff;
}

async function stop(bff: TestBff) {
  running.splice(running.indexOf(bff), 1);
  await bff.close();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const callApi = (bff: TestBff, cookie: string) => fetch(`${bff.url}/api/hello`, { headers: { cookie, 'x-csrf': '1' } });
/** The session id of a `bff.sid=…` cookie if `secret` alone signed it (checked as express-session does), else undefined. */
function sidUnder(secret: string, cookie: string): string | undefined {
  const value = decodeURIComponent(cookie.slice('bff.sid='.length));
  const sid = value.startsWith('s:') ? signature.unsign(value.slice(2), secret) : false;
  return sid || undefined;
}

/** The sealed record as Redis holds it, opened with one secret alone (throws when that key did not seal it). */
async function openUnder(bff: TestBff, secret: string, sid: string) {
  const sealed = await bff.deps.redis.hGet(bff.deps.tokens.keys(sid).tokens, 'd');
  if (!sealed) throw new Error('no token record');
  return JSON.parse(new TokenCipher(secret).open(sealed, sid)) as { accessTokenExpiresAt: number };
}

describe('rotating SESSION_SECRET', () => {
  it('keeps sessions made under the old secret, re-signs and re-seals them with the new one on first use, then works without the old one', async () => {
    const a = await deployment(secretA);
    const { cookie: cookieA } = await signInAs(a, 'alice');
    const sid = sidUnder(secretA, cookieA)!;
    expect(sid).toBeDefined();
    await openUnder(a, secretA, sid);
    await stop(a);

    // B with A as a previous secret: /session and /api/* work with the old cookie, each answer re-signs it
    const b = await deployment(secretB, secretA);
    const session = await getSession(b, cookieA);
    expect(session.body).toMatchObject({ authenticated: true, user: { username: 'alice' } });
    const fromSession = sessionCookieFrom(session.res);
    expect(fromSession).toBeDefined();
    expect(sidUnder(secretB, fromSession!)).toBe(sid);
    expect(sidUnder(secretA, fromSession!)).toBeUndefined();
    expect(session.res.headers.getSetCookie().join('\n')).toMatch(/HttpOnly; SameSite=Lax/);
    // the record is re-sealed: it opens under B alone, no longer under A
    await openUnder(b, secretB, sid);
    await expect(openUnder(b, secretA, sid)).rejects.toThrow();

    const api = await callApi(b, cookieA); // a request the browser sent before it stored the new cookie
    expect(api.status).toBe(200);
    const fromApi = sessionCookieFrom(api);
    expect(fromApi).toBeDefined();
    expect(sidUnder(secretB, fromApi!)).toBe(sid);

    // the new cookie needs no re-signing
    const again = await callApi(b, fromApi!);
    expect(again.status).toBe(200);
    expect(sessionCookieFrom(again)).toBeUndefined();

    // a refresh after the rotation: redeemed once, written under B
    const expiresAt = (await openUnder(b, secretB, sid)).accessTokenExpiresAt;
    await sleep(Math.max(0, expiresAt * 1000 - Date.now() + 50));
    await idp.reset();
    expect((await callApi(b, fromApi!)).status).toBe(200);
    expect((await idp.stats()).grants.refresh_token).toBe(1);
    expect((await openUnder(b, secretB, sid)).accessTokenExpiresAt).toBeGreaterThan(expiresAt);
    await stop(b);

    // B alone: the re-issued cookie and record still work; the old cookie does not
    const bOnly = await deployment(secretB);
    expect((await getSession(bOnly, fromSession!)).body).toMatchObject({ authenticated: true });
    expect((await callApi(bOnly, fromSession!)).status).toBe(200);
    expect((await getSession(bOnly, cookieA)).body).toEqual({ authenticated: false });
    expect((await idp.stats()).refreshTokenReuse).toBe(0);
  });

  it('accepts a session-list handle made under the previous secret and lets logout end an old-cookie session', async () => {
    const a = await deployment(secretA);
    const mine = await signInAs(a, 'bob');
    const other = await signInAs(a, 'bob');
    const oldHandle = a.deps.userSessions.handleOf(sidUnder(secretA, other.cookie)!);
    await stop(a);

    const b = await deployment(secretB, secretA);
    const listed = (await (await fetch(`${b.url}/sessions`, { headers: { cookie: mine.cookie } })).json()) as { sessions: { id: string }[] };
    expect(listed.sessions.map((s) => s.id)).not.toContain(oldHandle); // handles are made under the current secret
    const ended = await fetch(`${b.url}/sessions/${oldHandle}`, { method: 'DELETE', headers: { cookie: mine.cookie, 'x-csrf': '1' } });
    expect(ended.status).toBe(204);
    expect((await getSession(b, other.cookie)).body).toEqual({ authenticated: false });

    const before = await idp.stats();
    const logout = await fetch(`${b.url}/auth/logout`, { method: 'POST', headers: { cookie: mine.cookie, 'x-csrf': '1' } });
    expect(logout.status).toBe(200);
    expect((await idp.stats()).revocations).toBe(before.revocations + 1);
    expect((await getSession(b, mine.cookie)).body).toEqual({ authenticated: false });
    await stop(b);
  });

  it('refuses a PREVIOUS_SESSION_SECRETS entry shorter than 32 characters, naming its position only', async () => {
    const { loadConfig } = await import('../src/config/config.js');
    expect(() => loadConfig({ SESSION_SECRET: secretB, PREVIOUS_SESSION_SECRETS: `${secretA},short` })).toThrow(/PREVIOUS_SESSION_SECRETS\[1\]: must be at least 32 characters/);
    expect(() => loadConfig({ SESSION_SECRET: secretB, PREVIOUS_SESSION_SECRETS: `${secretA},short` })).not.toThrow(/short/);
    expect(loadConfig({ SESSION_SECRET: secretB, PREVIOUS_SESSION_SECRETS: ` ${secretA} , ${secretB}` }).sessionSecrets).toEqual([secretB, secretA]);
  });
});
