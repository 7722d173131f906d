import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { pino } from 'pino';
import { createRedis, type Redis } from '../src/redis/client.js';
import { TokenCipher } from '../src/tokens/crypto.js';
import { TokenStore } from '../src/tokens/token-store.js';
import type { TokenRecord } from '../src/tokens/token-record.js';
import { testPrefix } from './support/isolation.js';

let redis: Redis;
let store: TokenStore;

beforeAll(async () => {
  redis = createRedis({ url: inject('redisUrl') }, pino({ level: 'silent' }));
  await redis.connect();
  store = new TokenStore(redis, new TokenCipher('s'.repeat(40)), testPrefix());
});
afterAll(async () => {
  await redis?.close();
});

const record = (accessToken: string): TokenRecord => ({
  accessToken,
  refreshToken: 'refresh-1',
  accessTokenExpiresAt: Math.floor(Date.now() / 1000) + 60,
  accessTokenLifetime: 60,
  sessionExpiresAt: Math.floor(Date.now() / 1000) + 3600,
  createdAt: Math.floor(Date.now() / 1000),
  user: { sub: 'u1', groups: [] },
});

describe('the token store in Redis', () => {
  it('never lets a writer that read an older version overwrite a newer one', async () => {
    await store.create('sid-a', record('a1'));
    const early = await store.read('sid-a'); // request 1 reads v1
    const late = await store.read('sid-a'); // request 2 reads v1
    expect(await store.compareAndSet('sid-a', late!.version, record('a2'))).toBe('written');
    expect(await store.compareAndSet('sid-a', early!.version, record('stale'))).toBe('stale');
    const now = await store.read('sid-a');
    expect(now!.version).toBe(2);
    expect(now!.record.accessToken).toBe('a2');
  });

  it('keeps the session expiry on the record across writes', async () => {
    await store.create('sid-b', record('b1'));
    const ttl = await redis.ttl(store.keys('sid-b').tokens);
    expect(ttl).toBeGreaterThan(3500);
    await store.compareAndSet('sid-b', 1, record('b2'));
    expect(await redis.ttl(store.keys('sid-b').tokens)).toBeGreaterThan(3500);
  });

  it('does not recreate a deleted session on a late write', async () => {
    await store.create('sid-c', record('c1'));
    await store.delete('sid-c');
    expect(await store.compareAndSet('sid-c', 1, record('c2'))).toBe('stale');
    expect(await store.read('sid-c')).toBeUndefined();
  });

  it('treats a record sealed for another session id as absent', async () => {
    await store.create('sid-d', record('d1'));
    const raw = await redis.hGetAll(store.keys('sid-d').tokens);
    await redis.hSet(store.keys('sid-e').tokens, raw);
    expect(await store.read('sid-e')).toBeUndefined();
  });
});
