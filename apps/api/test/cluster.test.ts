import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { peerEnv, spawnBff, type BffProcess } from './support/bff-process.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { TestRedisCluster } from './support/redis-cluster.js';
import { recordOf, waitUntilRefreshIsDue } from './support/tokens.js';

// A real three-node Redis Cluster of local redis-server processes, two API instances on it.
let cluster: TestRedisCluster;
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let one: TestBff;
let two: BffProcess;
const prefix = testPrefix();
const secret = testSecret();

beforeAll(async () => {
  cluster = await TestRedisCluster.start();
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 6, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
  const env = { REDIS_CLUSTER_NODES: cluster.nodes };
  one = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret, env });
  two = await spawnBff({ ...peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret }), ...env });
}, 60_000);
afterAll(async () => {
  await two?.stop();
  await one?.close();
  await upstream?.close();
  await idp?.stop();
  await cluster?.stop();
});

describe('on a Redis Cluster', () => {
  it('is ready on both instances', async () => {
    expect((await fetch(`${one.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${two.url}/readyz`)).status).toBe(200);
  });

  it('signs in on one instance and is signed in on the other', async () => {
    const { cookie } = await signInAs(one, 'bob');
    const { body } = await getSession(two, cookie);
    expect(body).toMatchObject({ authenticated: true, user: { username: 'bob' } });
  });

  it('a burst over two instances after expiry causes exactly one refresh grant', async () => {
    const { cookie } = await signInAs(two);
    const { record } = await recordOf(one, cookie);
    await waitUntilRefreshIsDue(record.accessTokenExpiresAt);
    await idp.reset();
    const burst = Array.from({ length: 40 }, (_, i) => fetch(`${i % 2 ? two.url : one.url}/api/x`, { headers: { cookie, 'x-csrf': '1' } }));
    expect((await Promise.all(burst)).map((r) => r.status)).toEqual(Array(40).fill(200));
    expect((await idp.stats()).tokenRequests.refresh_token).toBe(1);
  });

  it('logs out on one instance and the session is gone on the other', async () => {
    const { cookie } = await signInAs(one);
    const out = await fetch(`${two.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } });
    expect(out.status).toBe(200);
    expect((await getSession(one, cookie)).body).toEqual({ authenticated: false });
    expect((await getSession(two, cookie)).body).toEqual({ authenticated: false });
  });
});
