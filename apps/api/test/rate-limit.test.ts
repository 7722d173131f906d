import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { freePort } from './support/redis-server.js';

let idp: SpawnedEmulator;
let a: TestBff;
let b: TestBff;
const prefix = testPrefix();
const LIMIT = 5;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  // two instances, one Redis, one prefix: the budget is shared
  const shared = { issuer: idp.issuer, keyPrefix: prefix, sessionSecret: testSecret(), env: { RATE_LIMIT_AUTH_PER_MINUTE: String(LIMIT) } };
  [a, b] = await Promise.all([startBff(shared), startBff(shared)]);
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await idp?.stop();
});

/** A request from `ip`, as a trusted proxy on loopback would report it (TRUST_PROXY defaults to loopback). */
const from = (bff: TestBff, path: string, ip: string, init: RequestInit = {}) =>
  fetch(`${bff.url}${path}`, { redirect: 'manual', ...init, headers: { 'x-forwarded-for': ip, ...(init.headers as Record<string, string>) } });

async function expectRateLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.headers.getSetCookie()).toEqual([]); // the login did not start: no session was made
  expect(await res.json()).toMatchObject({ code: 'rate_limited', status: 429 });
}

describe('rate limits on /auth/login and /auth/callback', () => {
  it('lets 5 logins a minute from one IP through across two instances and answers the 6th with 429, Retry-After and problem+json', async () => {
    const ip = '203.0.113.10';
    for (let i = 0; i < LIMIT; i++) {
      const res = await from(i % 2 === 0 ? a : b, '/auth/login', ip);
      expect(res.status).toBe(302);
    }
    await expectRateLimited(await from(b, '/auth/login', ip));
    await expectRateLimited(await from(a, '/auth/login', ip));
  });

  it('does not limit another IP, and counts /auth/callback in its own budget', async () => {
    const ip = '203.0.113.20';
    for (let i = 0; i < LIMIT; i++) expect((await from(a, '/auth/login', ip)).status).toBe(302);
    await expectRateLimited(await from(a, '/auth/login', ip));

    expect((await from(b, '/auth/login', '203.0.113.21')).status).toBe(302);
    // a callback without a valid state lands back in the app; it is not 429 yet
    const callback = await from(a, '/auth/callback?state=nope&code=nope', ip);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/?authError=invalid_callback');
  });

  it('limits /auth/callback to 5 a minute per IP across instances', async () => {
    const ip = '2001:db8:5:5::1';
    for (let i = 0; i < LIMIT; i++) expect((await from(i % 2 === 0 ? b : a, '/auth/callback?state=x', ip)).status).toBe(302);
    // another address of the same IPv6 /64 shares the budget
    await expectRateLimited(await from(a, '/auth/callback?state=x', '2001:db8:5:5::2'));
  });

  it('never limits /api/* or /session, even for an IP that is over its sign-in budget', async () => {
    const ip = '203.0.113.30';
    for (let i = 0; i <= LIMIT; i++) await from(a, '/auth/login', ip);
    await expectRateLimited(await from(b, '/auth/login', ip));
    for (let i = 0; i < 3 * LIMIT; i++) {
      const session = await from(i % 2 === 0 ? a : b, '/session', ip);
      expect(session.status).toBe(200);
      const api = await from(i % 2 === 0 ? a : b, '/api/things', ip, { headers: { 'x-csrf': '1' } });
      expect(api.status).toBe(401);
    }
    const keys = await a.deps.redis.keys(`${prefix}rl:{${ip}}:*`);
    expect(keys.sort()).toEqual([`${prefix}rl:{${ip}}:login`]);
  });

  it('keeps the counter in Redis under <prefix>rl:{<ip>}:<route>, expiring with the one-minute window', async () => {
    const ip = '198.51.100.40';
    await from(a, '/auth/login', ip);
    await from(b, '/auth/login', ip);
    const key = `${prefix}rl:{${ip}}:login`;
    expect(await a.deps.redis.get(key)).toBe('2');
    const ttl = await a.deps.redis.pTTL(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});

describe('rate limit settings', () => {
  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const strict = await startBff({ issuer: idp.issuer, env: { RATE_LIMIT_AUTH_PER_MINUTE: '2', TRUST_PROXY: '10.0.0.1' } });
    try {
      expect((await from(strict, '/auth/login', '198.51.100.1')).status).toBe(302);
      expect((await from(strict, '/auth/login', '198.51.100.2')).status).toBe(302);
      // every request counted against the real peer (127.0.0.1), whatever the header claims
      await expectRateLimited(await from(strict, '/auth/login', '198.51.100.3'));
    } finally {
      await strict.close();
    }
  });

  it('RATE_LIMIT_AUTH_PER_MINUTE=0 turns the limiter off', async () => {
    const keyPrefix = testPrefix();
    const open = await startBff({ issuer: idp.issuer, keyPrefix, env: { RATE_LIMIT_AUTH_PER_MINUTE: '0' } });
    try {
      for (let i = 0; i < 8; i++) expect((await fetch(`${open.url}/auth/login`, { redirect: 'manual' })).status).toBe(302);
      expect(await open.deps.redis.keys(`${keyPrefix}rl:*`)).toEqual([]);
    } finally {
      await open.close();
    }
  });

  it('with Redis down, a login answers the usual session_store_unavailable redirect within 2 s, never a 500', async () => {
    const down = await startBff({ issuer: idp.issuer, redisUrl: `redis://127.0.0.1:${await freePort()}` });
    try {
      const started = Date.now();
      const res = await fetch(`${down.url}/auth/login`, { redirect: 'manual' });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/?authError=session_store_unavailable');
    } finally {
      await down.close();
    }
  });
});
