import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { TestRedisSentinel } from './support/redis-sentinel.js';
import { loadUntilRecovered } from './support/failover-load.js';

// A primary, a replica and three sentinels; 2-second access tokens with rotation and reuse
// detection, so sessions refresh all through the failover and a refresh token spent twice
// would revoke a grant.
let set: TestRedisSentinel;
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;

beforeAll(async () => {
  set = await TestRedisSentinel.start();
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 2, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, env: set.env });
}, 60_000);
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
  await set?.stop();
});

describe('on Redis Sentinel', () => {
  it('is ready, and a session lives on the primary the sentinels name', async () => {
    expect((await fetch(`${bff.url}/readyz`)).status).toBe(200);
    const { cookie } = await signInAs(bff, 'bob');
    expect((await fetch(`${bff.url}/api/x`, { headers: { cookie, 'x-csrf': '1' } })).status).toBe(200);
  });

  it('when the primary is killed, calls answer 503 within 2 s, service resumes after promotion, and every session still refreshes', async () => {
    const users = await Promise.all(['alice', 'bob', 'alice', 'bob', 'alice'].map((u) => signInAs(bff, u)));
    await idp.reset();
    const report = await loadUntilRecovered({
      urls: [bff.url],
      cookies: users.map((u) => u.cookie),
      fail: async () => {
        const old = await set.killPrimary();
        return () => set.waitForPromotion(old);
      },
    });
    console.warn(`sentinel failover: ${JSON.stringify(report)}`);
    expect(report.unexpected).toEqual([]);
    expect(report.slowestUnavailable).toBeLessThan(2_000); // the gap answers fast
    expect(report.slowest).toBeLessThan(5_000); // and nothing hangs
    expect(report.summary.unavailable).toBeGreaterThan(0); // the gap was seen
    expect(report.everyoneServedAfter).toBe(true);

    const stats = await idp.stats();
    expect(stats.grants.refresh_token).toBeGreaterThan(users.length); // sessions refreshed across the failover
    expect(stats.refreshTokenReuse).toBe(0);
    expect(stats.revocations).toBe(0);
    expect((await fetch(`${bff.url}/readyz`)).status).toBe(200);
  }, 60_000);
});
