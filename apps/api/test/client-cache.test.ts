import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { TestRedisCluster } from './support/redis-cluster.js';
import { TestRedisServer } from './support/redis-server.js';
import { recordOf, sidOf, waitUntilRefreshIsDue } from './support/tokens.js';

// REDIS_CLIENT_CACHE (docs/adr/0007-client-side-cache.md): instance B keeps session records in
// process; whatever instance A does to a session must reach B through Redis's invalidation push,
// at once, and B must never answer from its cache while Redis is gone. Two in-process instances
// with their own clients (and caches) on throwaway Redis processes, so commands can be counted.

let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 8, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
});
afterAll(async () => {
  await upstream?.close();
  await idp?.stop();
});

const api = (on: TestBff, cookie: string) => fetch(`${on.url}/api/x`, { headers: { cookie, 'x-csrf': '1' } });
const bearerSeenLast = () => upstream.seen.at(-1)?.headers.authorization;
const timed = async <T>(p: Promise<T>) => {
  const t0 = Date.now();
  const value = await p;
  return { value, ms: Date.now() - t0 };
};

/** Runs `use` on a short-lived client of the Redis at `url` (counting, configuring). */
async function withRedis<T>(url: string, use: (client: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
  const client = createClient({ url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/**
 * Reads of session hashes the Redis at `url` has served so far (INFO commandstats): `HGETALL`s,
 * and the `HMGET`s with which the token store checks a record it knows (token-store.ts).
 */
async function sessionReadCalls(url: string): Promise<number> {
  const stats = await withRedis(url, (client) => client.info('commandstats'));
  const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return calls('hgetall') + calls('hmget');
}

/** Two instances of one deployment (shared prefix and secret) on `env`'s Redis, cache on unless `env` says otherwise. */
async function pair(env: Record<string, string>, redisUrl?: string): Promise<[TestBff, TestBff]> {
  const shared = { issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix(), sessionSecret: testSecret(), env, ...(redisUrl ? { redisUrl } : {}) };
  return [await startBff(shared), await startBff(shared)];
}

describe('client-side cache on one Redis server', () => {
  let redis: TestRedisServer;
  let a: TestBff;
  let b: TestBff;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    [a, b] = await pair({ REDIS_CLIENT_CACHE: 'on' }, redis.url);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it('serves repeated calls of one session from the cache: no Redis read per call', async () => {
    const { cookie } = await signInAs(a);
    expect((await api(b, cookie)).status).toBe(200);
    const before = await sessionReadCalls(redis.url);
    for (let i = 0; i < 50; i++) expect((await api(b, cookie)).status).toBe(200);
    expect(await sessionReadCalls(redis.url)).toBeLessThanOrEqual(before + 2);
    expect(b.deps.sessionReads?.size).toBeGreaterThan(0);
  });

  it('a logout on A makes the next call on B answer 401 at once', async () => {
    const { cookie } = await signInAs(a);
    for (let i = 0; i < 3; i++) expect((await api(b, cookie)).status).toBe(200); // cached on B
    expect((await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } })).status).toBe(200);
    expect((await api(b, cookie)).status).toBe(401);
    expect((await getSession(b, cookie)).body).toEqual({ authenticated: false });
  });

  it('sign out everywhere on A ends every session of the user on B at once', async () => {
    const one = await signInAs(a, 'bob');
    const two = await signInAs(b, 'bob');
    for (const { cookie } of [one, two]) expect((await api(b, cookie)).status).toBe(200);
    const out = await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { cookie: one.cookie, 'x-csrf': '1', 'content-type': 'application/json' }, body: JSON.stringify({ everywhere: true }) });
    expect(out.status).toBe(200);
    expect((await api(b, one.cookie)).status).toBe(401);
    expect((await api(b, two.cookie)).status).toBe(401);
  });

  it('DELETE /sessions/:id on A ends that session on B at once', async () => {
    const mine = await signInAs(a, 'alice');
    const other = await signInAs(a, 'alice');
    expect((await api(b, other.cookie)).status).toBe(200);
    const list = (await (await fetch(`${a.url}/sessions`, { headers: { cookie: mine.cookie } })).json()) as { sessions: { id: string; current: boolean }[] };
    const others = list.sessions.filter((s) => !s.current);
    for (const { id } of others) {
      expect((await fetch(`${a.url}/sessions/${encodeURIComponent(id)}`, { method: 'DELETE', headers: { cookie: mine.cookie, 'x-csrf': '1' } })).status).toBe(204);
    }
    expect((await api(b, other.cookie)).status).toBe(401);
    expect((await api(b, mine.cookie)).status).toBe(200);
  });

  it('a key that expires in Redis (idle or absolute TTL) stops being served by B', async () => {
    const { cookie } = await signInAs(a);
    expect((await api(b, cookie)).status).toBe(200);
    const key = a.deps.tokens.keys(sidOf(a, cookie)).tokens;
    await a.deps.redis.pExpire(key, 1);
    let status = 200;
    for (let i = 0; i < 20 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100)); // Redis's active expiry deletes it, and pushes the invalidation
      status = (await api(b, cookie)).status;
    }
    expect(status).toBe(401);
  });

  it('a refresh on A: the next call on B sends the new access token upstream', async () => {
    const { cookie } = await signInAs(a);
    expect((await api(b, cookie)).status).toBe(200);
    const old = await recordOf(a, cookie);
    expect(bearerSeenLast()).toBe(`Bearer ${old.record.accessToken}`);
    await waitUntilRefreshIsDue(old.record.accessTokenExpiresAt);
    expect((await api(a, cookie)).status).toBe(200); // waits for its refresh
    const refreshed = await recordOf(a, cookie);
    expect(refreshed.version).toBe(old.version + 1);
    expect(refreshed.record.accessToken).not.toBe(old.record.accessToken);
    expect((await api(b, cookie)).status).toBe(200);
    expect(bearerSeenLast()).toBe(`Bearer ${refreshed.record.accessToken}`);
  });

  it('a write by this instance is never answered from its own cache (the push comes on another connection)', async () => {
    const { cookie } = await signInAs(b);
    expect((await api(b, cookie)).status).toBe(200);
    const sid = sidOf(b, cookie);
    const current = await recordOf(b, cookie);
    expect(await b.deps.tokens.compareAndSet(sid, current.version, { ...current.record, accessToken: 'replaced-token' })).toBe('written');
    expect((await b.deps.tokens.readForRequest(sid))?.record.accessToken).toBe('replaced-token');
    await b.deps.tokens.delete(sid);
    expect(await b.deps.tokens.readForRequest(sid)).toBeUndefined();
  });

  it('when Redis hangs, a cached session answers 503 within 2 s, not a cached 200', async () => {
    const { cookie } = await signInAs(a);
    expect((await api(b, cookie)).status).toBe(200);
    redis.pause();
    try {
      await new Promise((r) => setTimeout(r, 350)); // past the heartbeat's 250 ms proof of freshness
      const call = await timed(api(b, cookie));
      expect(call.ms).toBeLessThan(2_000);
      expect(call.value.status).toBe(503);
    } finally {
      redis.resume();
    }
    let status = 0;
    for (let i = 0; i < 30 && status !== 200; i++) {
      status = (await api(b, cookie)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200); // and the session is intact once it wakes up
  });

  it('when Redis is killed, the next call on B answers 503 within 2 s (the cache was flushed), then 401 after a restart', async () => {
    const { cookie } = await signInAs(a);
    for (let i = 0; i < 3; i++) expect((await api(b, cookie)).status).toBe(200);
    await redis.stop();
    const call = await timed(api(b, cookie));
    expect(call.ms).toBeLessThan(2_000);
    expect(call.value.status).toBe(503);
    expect(b.deps.sessionReads?.size).toBe(0);
    await redis.start(); // empty: the session did not survive, and B must not remember it
    let status = 0;
    for (let i = 0; i < 50 && status !== 401; i++) {
      status = (await api(b, cookie)).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(401);
  });
});

describe('client-side cache off', () => {
  let redis: TestRedisServer;
  let a: TestBff;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    [a] = await pair({ REDIS_CLIENT_CACHE: 'off' }, redis.url);
  });
  afterAll(async () => {
    await a?.close();
    await redis?.stop();
  });

  it('reads Redis on every call (the counting above would see it)', async () => {
    const { cookie } = await signInAs(a);
    const before = await sessionReadCalls(redis.url);
    for (let i = 0; i < 20; i++) expect((await api(a, cookie)).status).toBe(200);
    expect(await sessionReadCalls(redis.url)).toBeGreaterThanOrEqual(before + 20);
    expect(a.deps.sessionReads).toBeUndefined();
  });
});

describe('client-side cache, default on, against a Redis that refuses client tracking (an ACL, a managed service, Redis 5)', () => {
  let redis: TestRedisServer;
  let a: TestBff;

  /** Connections the server accepted so far (the asking one included). */
  const connectionsReceived = async () => Number(/total_connections_received:(\d+)/.exec(await withRedis(redis.url, (client) => client.info('stats')))?.[1]);

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    await withRedis(redis.url, (client) => client.sendCommand(['ACL', 'SETUSER', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-client|tracking']));
    [a] = await pair({}, redis.url);
  });
  afterAll(async () => {
    await a?.close();
    await redis?.stop();
  });

  it('reads Redis on every call, and gives up the tracking connection instead of retrying it', async () => {
    const { cookie } = await signInAs(a);
    const before = await sessionReadCalls(redis.url);
    for (let i = 0; i < 20; i++) expect((await api(a, cookie)).status).toBe(200);
    expect(await sessionReadCalls(redis.url)).toBeGreaterThanOrEqual(before + 20);
    expect(a.deps.sessionReads?.isRefused).toBe(true);
    const connections = await connectionsReceived();
    await new Promise((r) => setTimeout(r, 2_500)); // the reconnect strategy retries within a second
    expect(await connectionsReceived()).toBe(connections + 1); // this count's own connection, nothing else
  });
});

describe('client-side cache on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let a: TestBff;
  let b: TestBff;

  beforeAll(async () => {
    cluster = await TestRedisCluster.start();
    [a, b] = await pair({ REDIS_CLUSTER_NODES: cluster.nodes, REDIS_CLIENT_CACHE: 'on' });
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await cluster?.stop();
  });

  const slotOf = (key: string) => Number(spawnSync('redis-cli', ['-p', String(cluster.ports[0]), 'cluster', 'keyslot', key], { encoding: 'utf8' }).stdout.trim());
  const hGetAllOnCluster = async () => {
    let sum = 0;
    for (const port of cluster.ports) sum += await sessionReadCalls(`redis://127.0.0.1:${port}`);
    return sum;
  };

  it('serves repeated calls from the cache and drops the record on a logout elsewhere', async () => {
    const { cookie } = await signInAs(a);
    expect((await api(b, cookie)).status).toBe(200);
    const before = await hGetAllOnCluster();
    for (let i = 0; i < 30; i++) expect((await api(b, cookie)).status).toBe(200);
    expect(await hGetAllOnCluster()).toBeLessThanOrEqual(before + 2);
    expect((await fetch(`${a.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } })).status).toBe(200);
    expect((await api(b, cookie)).status).toBe(401);
  });

  it('a refresh on A: the next call on B sends the new access token upstream', async () => {
    const { cookie } = await signInAs(a);
    expect((await api(b, cookie)).status).toBe(200);
    const old = await recordOf(a, cookie);
    await waitUntilRefreshIsDue(old.record.accessTokenExpiresAt);
    expect((await api(a, cookie)).status).toBe(200);
    const refreshed = await recordOf(a, cookie);
    expect(refreshed.record.accessToken).not.toBe(old.record.accessToken);
    expect((await api(b, cookie)).status).toBe(200);
    expect(bearerSeenLast()).toBe(`Bearer ${refreshed.record.accessToken}`);
  });

  it('when the node holding the session dies, B answers 503 within 2 s, not a cached 200', async () => {
    const { cookie } = await signInAs(a);
    for (let i = 0; i < 3; i++) expect((await api(b, cookie)).status).toBe(200);
    const port = cluster.primaryOf(slotOf(b.deps.tokens.keys(sidOf(b, cookie)).tokens))!;
    await cluster.kill(port);
    const call = await timed(api(b, cookie));
    expect(call.ms).toBeLessThan(2_000);
    expect(call.value.status).toBe(503);
  });
});
