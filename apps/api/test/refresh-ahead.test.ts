import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { peerEnv, spawnBff } from './support/bff-process.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { recordOf, sidOf } from './support/tokens.js';

// 8 s access tokens: the refresh window is their last 4 s (half the lifetime, under the 60 s
// skew), and a token with more than 2 s left serves while a background refresh runs. Rotation
// with reuse detection on: a second redemption of one refresh token would fail loudly. No spread
// of background refreshes here (REFRESH_AHEAD_SPREAD_SECONDS=0): these tests time the window's
// opening; the spread has its own test below.
const NO_SPREAD = { REFRESH_AHEAD_SPREAD_SECONDS: '0' };
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
const prefix = testPrefix();
const secret = testSecret();

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 8, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret, env: NO_SPREAD });
});
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const call = (base: string, cookie: string) => fetch(`${base}/api/hello`, { headers: { cookie, 'x-csrf': '1' } });

/** Waits until the access token has 3.4 s left: inside the refresh window, outside the wait margin. */
async function waitForWindow(cookie: string) {
  const { record } = await recordOf(bff, cookie);
  const wait = record.accessTokenExpiresAt * 1000 - 3_400 - Date.now();
  if (wait > 0) await sleep(wait);
}

/** Polls until `check` holds (the background refresh is not awaited by anyone). */
async function eventually(check: () => Promise<boolean>, ms = 5_000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await sleep(25);
  }
}

describe('refresh-ahead: a token inside the refresh window serves while one background refresh runs', () => {
  it('20 parallel requests answer at once with the old token, one grant runs behind them, the next request has the new token', async () => {
    const { cookie } = await signInAs(bff);
    const before = await recordOf(bff, cookie);
    await waitForWindow(cookie);
    await idp.reset();
    await idp.setBehaviour({ tokenDelayMs: 800 }); // a slow IdP: whoever waited for it would take ≥ 800 ms
    try {
      upstream.seen.length = 0;
      const t0 = Date.now();
      const results = await Promise.all(Array.from({ length: 20 }, () => call(bff.url, cookie)));
      const elapsed = Date.now() - t0;
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      expect(elapsed).toBeLessThan(700);
      expect(new Set(upstream.seen.map((s) => s.headers.authorization))).toEqual(new Set([`Bearer ${before.record.accessToken}`]));
      expect((await idp.stats()).grants.refresh_token).toBe(0); // still running in the background
    } finally {
      await idp.setBehaviour({ tokenDelayMs: 0 });
    }
    await eventually(async () => (await recordOf(bff, cookie)).version > before.version);
    const stats = await idp.stats();
    expect(stats.tokenRequests.refresh_token).toBe(1);
    expect(stats.grants.refresh_token).toBe(1);
    expect(stats.refreshTokenReuse).toBe(0);

    const after = await recordOf(bff, cookie);
    expect(after.record.accessToken).not.toBe(before.record.accessToken);
    upstream.seen.length = 0;
    expect((await call(bff.url, cookie)).status).toBe(200);
    expect(upstream.seen.map((s) => s.headers.authorization)).toEqual([`Bearer ${after.record.accessToken}`]);
  });

  it('requests spread over two instances inside the window cause exactly one grant', async () => {
    const other = await spawnBff({ ...peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret }), ...NO_SPREAD });
    try {
      const { cookie } = await signInAs(bff);
      const before = await recordOf(bff, cookie);
      await waitForWindow(cookie);
      await idp.reset();
      await idp.setBehaviour({ tokenDelayMs: 300 });
      try {
        const burst = Array.from({ length: 40 }, (_, i) => call(i % 2 ? other.url : bff.url, cookie));
        expect((await Promise.all(burst)).map((r) => r.status)).toEqual(Array(40).fill(200));
      } finally {
        await idp.setBehaviour({ tokenDelayMs: 0 });
      }
      await eventually(async () => (await recordOf(bff, cookie)).version > before.version);
      // more requests on both after the refresh: the new token is outside the window, nothing more to redeem
      const again = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? other.url : bff.url, cookie)));
      expect(again.map((r) => r.status)).toEqual(Array(10).fill(200));
      await sleep(300);
      const stats = await idp.stats();
      expect(stats.tokenRequests.refresh_token).toBe(1);
      expect(stats.grants.refresh_token).toBe(1);
      expect(stats.refreshTokenReuse).toBe(0);
    } finally {
      await other.stop();
    }
  });

  it('a background refresh rejected with invalid_grant ends the session: the next request answers 401', async () => {
    const { cookie } = await signInAs(bff);
    const { record } = await recordOf(bff, cookie);
    const revoke = await fetch(`${idp.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('local-client:local-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: record.refreshToken!, token_type_hint: 'refresh_token' }),
    });
    expect(revoke.status).toBe(200);
    await waitForWindow(cookie);
    expect((await call(bff.url, cookie)).status).toBe(200); // the access token is still valid
    const keys = bff.deps.tokens.keys(sidOf(bff, cookie));
    await eventually(async () => (await bff.deps.redis.exists(keys.tokens)) === 0);
    const res = await call(bff.url, cookie);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'unauthenticated' });
  });

  it('a background refresh that fails for a passing reason leaves the session and its token alone, and is not retried at once', async () => {
    const { cookie } = await signInAs(bff);
    const before = await recordOf(bff, cookie);
    await waitForWindow(cookie);
    await idp.reset();
    await idp.setBehaviour({ tokenFailureStatus: 503 });
    try {
      upstream.seen.length = 0;
      expect((await call(bff.url, cookie)).status).toBe(200);
      await eventually(async () => (await idp.stats()).tokenRequests.refresh_token === 1);
      await sleep(100); // the failure's handling (marker, retry pause) after the IdP answered
      const more = await Promise.all(Array.from({ length: 5 }, () => call(bff.url, cookie)));
      expect(more.map((r) => r.status)).toEqual(Array(5).fill(200));
      expect(new Set(upstream.seen.map((s) => s.headers.authorization))).toEqual(new Set([`Bearer ${before.record.accessToken}`]));
      const now = await recordOf(bff, cookie);
      expect(now.version).toBe(before.version);
      expect(now.record.refreshToken).toBe(before.record.refreshToken);
      expect((await idp.stats()).tokenRequests.refresh_token).toBe(1);
    } finally {
      await idp.setBehaviour({ tokenFailureStatus: null });
    }
  });
});

describe('refresh-ahead spread: sessions entering the window together are refreshed over the spread, not in one second', () => {
  // 20 s tokens: a 10 s window, of which 8 s serve; the spread is capped at half of that (4 s)
  let idp20: SpawnedEmulator;
  let spread: TestBff;
  beforeAll(async () => {
    idp20 = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 20 });
    spread = await startBff({ issuer: idp20.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix(), sessionSecret: testSecret(), env: { REFRESH_AHEAD_SPREAD_SECONDS: '30' } });
  });
  afterAll(async () => {
    await spread?.close();
    await idp20?.stop();
  });

  it('spreads 24 grants over the spread, every request served at once with a valid token, one grant per session', async () => {
    const cookies = await Promise.all(Array.from({ length: 24 }, async () => (await signInAs(spread)).cookie));
    const expiries = await Promise.all(cookies.map(async (cookie) => (await recordOf(spread, cookie)).record.accessTokenExpiresAt));
    // from the moment the last session's window opens: 10 s before its expiry
    const opens = Math.max(...expiries) * 1000 - 10_000;
    await sleep(Math.max(0, opens - Date.now()));
    await idp20.reset();
    const grantsAt: number[] = [];
    const slowest: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < 5_500) {
      const started = Date.now();
      const statuses = await Promise.all(cookies.map((cookie) => call(spread.url, cookie).then((r) => r.status)));
      slowest.push(Date.now() - started);
      expect(statuses).toEqual(Array(24).fill(200));
      const { grants } = await idp20.stats();
      while (grantsAt.length < grants.refresh_token) grantsAt.push(Date.now() - t0);
      await sleep(200);
    }
    expect(grantsAt).toHaveLength(24); // every session refreshed, once
    expect((await idp20.stats()).refreshTokenReuse).toBe(0);
    // not all at the window's opening: the later half of the grants came more than 1.5 s after it
    expect(grantsAt.filter((ms) => ms > 1_500).length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...slowest)).toBeLessThan(1_000); // no request waited for a grant
  }, 40_000);
});
