import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { pino } from 'pino';
import { createRedis, type Redis } from '../src/redis/client.js';
import { sealTag, TokenCipher } from '../src/tokens/crypto.js';
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

/** The commands a store sends, by name: the store talks to the real Redis through it. */
function counted(client: Redis): { client: Redis; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, calls };
}

describe('the request path reads a known record by its version and seal tag', () => {
  const cipher = new TokenCipher('t'.repeat(40));
  const prefix = testPrefix();
  // two instances of the BFF: each its own store (and cache of opened records) on the same Redis
  let one: ReturnType<typeof counted>;
  let a: TokenStore;
  let b: TokenStore;
  beforeAll(() => {
    one = counted(redis);
    a = new TokenStore(one.client, cipher, prefix);
    b = new TokenStore(redis, cipher, prefix);
  });

  it('writes the seal tag of d with every write of d', async () => {
    const key = a.keys('tag-1').tokens;
    const tagOf = async () => {
      const [d, t] = await redis.hmGet(key, ['d', 't']);
      return { d, t };
    };
    await a.create('tag-1', record('t1'), { plain: { t: 'not allowed', s: '5' } });
    let now = await tagOf();
    expect(now.t).toBe(sealTag(now.d!));
    expect(now.t).toMatch(/^v1\.[\w-]{38}$/);
    await a.compareAndSet('tag-1', 1, record('t2'));
    const afterSet = await tagOf();
    expect(afterSet.t).toBe(sealTag(afterSet.d!));
    expect(afterSet.t).not.toBe(now.t);
    now = afterSet;
    await a.reseal('tag-1', (await a.read('tag-1'))!);
    const afterReseal = await tagOf();
    expect(afterReseal.t).toBe(sealTag(afterReseal.d!));
    expect(afterReseal.t).not.toBe(now.t);
    const write = a.sealForWrite('tag-1', 2, record('t3'));
    await a.compareAndSetReplicated(write);
    await a.compareAndSetReplicated(write); // repeated: already there, written again
    const afterRepeat = await tagOf();
    expect(afterRepeat.t).toBe(sealTag(write.sealed));
    expect(await redis.hGet(key, 'v')).toBe('3');
  });

  it('checks a known record with HMGET v t s, not the ~3 KB d, and returns the same record', async () => {
    await a.create('tag-2', record('x'.repeat(1000)), { plain: { s: '1000' } });
    const first = await a.readForRequest('tag-2');
    one.calls.length = 0;
    const second = await a.readForRequest('tag-2');
    expect(one.calls).toEqual(['hmGet']);
    expect(second).toEqual(first);
    expect(second).toMatchObject({ version: 1, lastSeen: 1000 });
    expect(second!.record.accessToken).toBe('x'.repeat(1000));
  });

  it("sees another instance's write, ending and re-creation of the session at once", async () => {
    await a.create('tag-3', record('old'));
    expect((await a.readForRequest('tag-3'))!.record.accessToken).toBe('old');

    expect(await b.compareAndSet('tag-3', 1, record('new'))).toBe('written');
    one.calls.length = 0;
    const afterWrite = await a.readForRequest('tag-3');
    expect(afterWrite).toMatchObject({ version: 2, record: { accessToken: 'new' } });
    expect(one.calls).toEqual(['hmGet', 'hGetAll']);

    await b.create('tag-3', record('again')); // the same sid at version 1 again: only the tag tells
    expect(await a.readForRequest('tag-3')).toMatchObject({ version: 1, record: { accessToken: 'again' } });

    await b.delete('tag-3');
    one.calls.length = 0;
    expect(await a.readForRequest('tag-3')).toBeUndefined();
    expect(one.calls).toEqual(['hmGet']);
  });

  it('reads whole, in one round trip, a record written by a build without tags (rolling upgrade), until a tagged write', async () => {
    await a.create('tag-4', record('tagged'));
    await a.readForRequest('tag-4');
    const key = a.keys('tag-4').tokens;
    // what the previous build's compare-and-set wrote: v and d, leaving the old t in place
    await redis.hSet(key, { v: '2', d: cipher.seal(JSON.stringify(record('untagged')), 'tag-4') });
    one.calls.length = 0;
    expect(await a.readForRequest('tag-4')).toMatchObject({ version: 2, record: { accessToken: 'untagged' } });
    expect(one.calls).toEqual(['hmGet', 'hGetAll']); // the check finds the version moved
    for (let i = 0; i < 2; i++) {
      one.calls.length = 0;
      expect(await a.readForRequest('tag-4')).toMatchObject({ version: 2, record: { accessToken: 'untagged' } });
      expect(one.calls).toEqual(['hGetAll']); // known untagged: one round trip, not a check bound to fail and a read
    }
    // a tagged write (this build's compare-and-set) brings the record back to the check
    expect(await b.compareAndSet('tag-4', 2, record('tagged-again'))).toBe('written');
    expect(await a.readForRequest('tag-4')).toMatchObject({ version: 3, record: { accessToken: 'tagged-again' } });
    one.calls.length = 0;
    expect(await a.readForRequest('tag-4')).toMatchObject({ version: 3, record: { accessToken: 'tagged-again' } });
    expect(one.calls).toEqual(['hmGet']);
    // and a record created by that build (no t at all)
    await redis.del(key);
    await redis.hSet(key, { v: '1', d: cipher.seal(JSON.stringify(record('created-untagged')), 'tag-4') });
    expect(await a.readForRequest('tag-4')).toMatchObject({ version: 1, record: { accessToken: 'created-untagged' } });
  });

  it("does not take another session's hash, tag included, for this session's record", async () => {
    await a.create('tag-5', record('five'));
    await a.create('tag-6', record('six'));
    await a.readForRequest('tag-5');
    const other = await redis.hGetAll(a.keys('tag-6').tokens);
    await redis.hSet(a.keys('tag-5').tokens, { v: other.v!, d: other.d!, t: other.t! });
    expect(await a.readForRequest('tag-5')).toBeUndefined();
  });
});
