import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { inject } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { peerEnv, spawnBff } from './support/bff-process.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { recordOf, sidOf, waitUntilRefreshIsDue } from './support/tokens.js';

// 6 s access tokens (see waitUntilRefreshIsDue), rotation with reuse detection on: a second
// redemption of one refresh token would revoke the grant and fail the test loudly.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
const prefix = testPrefix();
const secret = testSecret();

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 6, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret });
});
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const call = (base: string, cookie: string, path = '/hello') => fetch(`${base}/api${path}`, { headers: { cookie, 'x-csrf': '1' } });

async function waitForExpiry(cookie: string, on: TestBff = bff) {
  await waitUntilRefreshIsDue((await recordOf(on, cookie)).record.accessTokenExpiresAt);
}

describe('transparent refresh', () => {
  it('refreshes an expired access token before proxying, and rotates the refresh token', async () => {
    const { cookie } = await signInAs(bff);
    const before = await recordOf(bff, cookie);
    await waitForExpiry(cookie);
    await idp.reset();
    const res = await call(bff.url, cookie);
    expect(res.status).toBe(200);
    expect((await idp.stats()).grants.refresh_token).toBe(1);
    const after = await recordOf(bff, cookie);
    expect(after.version).toBe(before.version + 1);
    expect(after.record.accessToken).not.toBe(before.record.accessToken);
    expect(after.record.refreshToken).not.toBe(before.record.refreshToken); // rotation kept the new one
    expect(after.record.accessTokenExpiresAt).toBeGreaterThan(Date.now() / 1000);
    // the next expiry refreshes again with the rotated token (the old one would be reuse)
    await waitForExpiry(cookie);
    expect((await call(bff.url, cookie)).status).toBe(200);
    expect((await idp.stats()).grants.refresh_token).toBe(2);
    expect((await idp.stats()).refreshTokenReuse).toBe(0);
  });

  it('50 parallel requests after expiry cause exactly one refresh grant, and all 50 succeed', async () => {
    const { cookie } = await signInAs(bff);
    await waitForExpiry(cookie);
    await idp.reset();
    upstream.seen.length = 0;
    const results = await Promise.all(Array.from({ length: 50 }, () => call(bff.url, cookie)));
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect((await idp.stats()).tokenRequests.refresh_token).toBe(1);
    expect((await idp.stats()).grants.refresh_token).toBe(1);
    const tokens = new Set(upstream.seen.map((s) => s.headers.authorization));
    expect(tokens.size).toBe(1); // everyone used the one new token
  });

  it('/session refreshes first, like a proxied call', async () => {
    const { cookie } = await signInAs(bff);
    await waitForExpiry(cookie);
    await idp.reset();
    const { body } = await getSession(bff, cookie);
    expect(body.authenticated).toBe(true);
    expect(body.accessTokenExpiresAt as number).toBeGreaterThan(Date.now() / 1000);
    expect(body.error).toBeUndefined();
    expect((await idp.stats()).grants.refresh_token).toBe(1);
  });
});

describe('several API processes sharing one Redis', () => {
  it('a burst spread over two processes still causes exactly one refresh grant', async () => {
    const other = await spawnBff(peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret }));
    try {
      const { cookie } = await signInAs(bff);
      await waitForExpiry(cookie);
      await idp.reset();
      const burst = Array.from({ length: 60 }, (_, i) => call(i % 2 ? other.url : bff.url, cookie));
      const statuses = (await Promise.all(burst)).map((r) => r.status);
      expect(statuses).toEqual(Array(60).fill(200));
      expect((await idp.stats()).tokenRequests.refresh_token).toBe(1);
    } finally {
      await other.stop();
    }
  });

  it('when the lease holder dies mid-refresh, another instance takes over with exactly one more redemption', async () => {
    const holder = await spawnBff(peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret }));
    const { cookie } = await signInAs(bff);
    await waitForExpiry(cookie);
    await idp.reset();
    await idp.setBehaviour({ tokenDelayMs: 60_000 });
    const doomed = call(holder.url, cookie).catch(() => 'died');
    // wait until the holder owns the lease and is stuck at the IdP
    const leaseKey = bff.deps.tokens.keys(sidOf(bff, cookie)).lease;
    for (let i = 0; i < 100 && !(await bff.deps.redis.exists(leaseKey)); i++) await sleep(20);
    expect(await bff.deps.redis.exists(leaseKey)).toBe(1);
    await holder.kill();
    await idp.setBehaviour({ tokenDelayMs: 0 });
    expect(await doomed).toBe('died');

    const survivors = await Promise.all(Array.from({ length: 10 }, () => call(bff.url, cookie)));
    expect(survivors.map((r) => r.status)).toEqual(Array(10).fill(200));
    const stats = await idp.stats();
    expect(stats.grants.refresh_token).toBe(1);
    expect(stats.tokenRequests.refresh_token).toBe(1);
    expect(stats.refreshTokenReuse).toBe(0);
  }, 30_000);
});

describe('refresh failures', () => {
  it('a revoked refresh token ends the session: 401 session_expired, then signed out, keys gone', async () => {
    const { cookie } = await signInAs(bff);
    const { record } = await recordOf(bff, cookie);
    const revoke = await fetch(`${idp.url}/oauth2/revoke`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('local-client:local-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: record.refreshToken!, token_type_hint: 'refresh_token' }),
    });
    expect(revoke.status).toBe(200);
    await waitForExpiry(cookie);
    const res = await call(bff.url, cookie);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'session_expired' });
    expect(res.headers.get('set-cookie')).toMatch(/bff\.sid=;/);
    expect((await getSession(bff, cookie)).body).toEqual({ authenticated: false });
    const sid = sidOf(bff, cookie);
    const keys = bff.deps.tokens.keys(sid);
    expect(await bff.deps.redis.exists([keys.tokens, `${prefix}sess:${sid}`])).toBe(0);
  });

  it('the IdP down answers 503 idp_unavailable, keeps the session, and it works again when the IdP is back', async () => {
    const { cookie } = await signInAs(bff);
    await waitForExpiry(cookie);
    await idp.setBehaviour({ tokenFailureStatus: 503 });
    try {
      const res = await call(bff.url, cookie);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'idp_unavailable' });
      const { body } = await getSession(bff, cookie);
      expect(body).toMatchObject({ authenticated: true, error: 'RefreshAccessTokenError' });
    } finally {
      await idp.setBehaviour({ tokenFailureStatus: null });
    }
    expect((await call(bff.url, cookie)).status).toBe(200);
    expect((await getSession(bff, cookie)).body.error).toBeUndefined();
  });

  it('the IdP process gone answers 503 quickly and the session survives its restart', async () => {
    const { cookie } = await signInAs(bff);
    await waitForExpiry(cookie);
    await idp.kill();
    try {
      const t0 = Date.now();
      const res = await call(bff.url, cookie);
      expect(res.status).toBe(503);
      expect(Date.now() - t0).toBeLessThan(2_000);
    } finally {
      await idp.restart();
    }
    expect((await call(bff.url, cookie)).status).toBe(200);
  });
});

describe('tokens at rest', () => {
  it('no access, refresh or ID token is readable in any Redis value of the deployment', async () => {
    const { cookie } = await signInAs(bff);
    const { record } = await recordOf(bff, cookie);
    const redis = createClient({ url: inject('redisUrl') });
    await redis.connect();
    try {
      const dump: string[] = [];
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        for (const key of keys) {
          const type = await redis.type(key);
          if (type === 'string') dump.push((await redis.get(key)) ?? '');
          else if (type === 'hash') dump.push(JSON.stringify(await redis.hGetAll(key)));
        }
      }
      const all = dump.join('\n');
      expect(dump.length).toBeGreaterThan(1);
      for (const token of [record.accessToken, record.refreshToken!, record.idToken!]) {
        expect(all).not.toContain(token);
        expect(all).not.toContain(token.split('.')[1]!); // not even a JWT payload
      }
      // no JWT of any kind (header.payload.), not just ours; a bare "eyJ" can occur in random ciphertext
      expect(all).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\./);
    } finally {
      await redis.close();
    }
  });
});
