import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { clusterSlot } from '../src/redis/replication.js';
import { signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { peerEnv, spawnBff, type BffProcess } from './support/bff-process.js';
import { loadUntilRecovered } from './support/failover-load.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { TestRedisCluster } from './support/redis-cluster.js';
import { sidOf } from './support/tokens.js';

// Three primaries with a replica each, two API instances, 2-second access tokens with rotation
// and reuse detection: sessions refresh all through the failover, and a refresh token spent twice
// would revoke its grant (and answer 401 session_expired).
let cluster: TestRedisCluster;
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let one: TestBff;
let two: BffProcess;
const prefix = testPrefix();
const secret = testSecret();

beforeAll(async () => {
  cluster = await TestRedisCluster.start({ replicas: 1 });
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 2, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
  const env = { REDIS_CLUSTER_NODES: cluster.nodes };
  [one, two] = await Promise.all([
    startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret, env }),
    spawnBff({ ...peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret }), ...env }),
  ]);
}, 60_000);
afterAll(async () => {
  await two?.stop();
  await one?.close();
  await upstream?.close();
  await idp?.stop();
  await cluster?.stop();
});

describe('a Redis Cluster primary dies', () => {
  it('calls answer 503 within 2 s, service resumes after the promotion, and every session still refreshes and proxies, no refresh token spent twice', async () => {
    const users = await Promise.all(['alice', 'bob', 'alice', 'bob', 'alice', 'bob'].map((u, i) => signInAs(i % 2 ? two : one, u)));
    // the primary that holds the most of these sessions
    const slots = users.map((u) => clusterSlot(sidOf(one, u.cookie)));
    const owners = slots.map((slot) => cluster.primaryOf(slot)!);
    const victim = owners.sort((a, b) => owners.filter((o) => o === b).length - owners.filter((o) => o === a).length)[0]!;
    const victimSlot = slots.find((slot) => cluster.primaryOf(slot) === victim)!;
    await idp.reset();

    const report = await loadUntilRecovered({
      urls: [one.url, two.url],
      cookies: users.map((u) => u.cookie),
      fail: async () => {
        await cluster.kill(victim);
        return () => cluster.waitForPromotion(victimSlot, victim);
      },
    });
    console.warn(`cluster failover (${owners.filter((o) => o === victim).length} of ${users.length} sessions on the killed primary): ${JSON.stringify(report)}`);
    expect(report.unexpected).toEqual([]);
    expect(report.slowestUnavailable).toBeLessThan(2_000); // the gap answers fast
    expect(report.slowest).toBeLessThan(5_000); // and nothing hangs
    expect(report.summary.unavailable).toBeGreaterThan(0); // the gap was seen
    expect(report.everyoneServedAfter).toBe(true);

    const stats = await idp.stats();
    expect(stats.grants.refresh_token).toBeGreaterThan(users.length); // every session refreshed, some after the failover
    expect(stats.refreshTokenReuse).toBe(0);
    expect(stats.revocations).toBe(0);
    expect((await fetch(`${one.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${two.url}/readyz`)).status).toBe(200);
  }, 80_000);
});
