import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createRedis, type Redis } from '../src/redis/client.js';
import { SessionReadCache } from '../src/redis/session-read-cache.js';
import { TestRedisServer } from './support/redis-server.js';

// The client-side cache's own guarantees (docs/adr/0007-client-side-cache.md), on the real Redis:
// what it keeps is what Redis holds, unless Redis has not yet said otherwise. A Redis of its own,
// since one test flushes it.

let server: TestRedisServer;
let redis: Redis;
let writer: Redis;
let cache: SessionReadCache;
const prefix = 'test:';
const silent = pino({ level: 'silent' });

beforeAll(async () => {
  server = await TestRedisServer.start();
  redis = createRedis({ url: server.url }, silent);
  writer = createRedis({ url: server.url }, silent);
  await Promise.all([redis.connect(), writer.connect()]);
  cache = new SessionReadCache({ url: server.url }, 100, redis, silent, { heartbeatMs: 20 });
  await cache.connect();
  while (!cache.fresh) await new Promise((r) => setTimeout(r, 5)); // the first PONG
});
afterAll(async () => {
  await cache?.close();
  await writer?.close();
  await redis?.close();
  await server?.stop();
});

/**
 * Waits until every push Redis sent the cache's connection so far has been applied: the heartbeat
 * (every 20 ms here) sends a PING after it, whose reply follows the pushes on the same connection.
 */
const settled = () => new Promise((r) => setTimeout(r, 50));

describe('the session read cache', () => {
  it('answers a key it read without Redis until another client writes it, then forgets it', async () => {
    const key = `${prefix}{a}:tokens`;
    await writer.hSet(key, { v: '1', t: 'tag-1', s: '100' });
    expect(cache.peek(key)).toBeUndefined();
    expect(await cache.check(key)).toEqual(['1', 'tag-1', '100']);
    expect(cache.peek(key)).toEqual(['1', 'tag-1', '100']);
    await writer.hSet(key, 's', '200');
    await settled();
    expect(cache.peek(key)).toBeUndefined();
    await cache.hGetAll(key);
    expect(cache.peek(key)).toEqual(['1', 'tag-1', '200']);
    await writer.del(key);
    await settled();
    expect(cache.peek(key)).toBeUndefined();
    expect(await cache.check(key)).toEqual([null, null, null]);
  });

  it('a key read while absent is tracked too: its creation invalidates the kept absence', async () => {
    const key = `${prefix}{absent}:tokens`;
    expect(await cache.check(key)).toEqual([null, null, null]);
    expect(cache.peek(key)).toEqual([null, null, null]);
    await writer.hSet(key, { v: '1', t: 'tag', s: '1' });
    await settled();
    expect(cache.peek(key)).toBeUndefined();
  });

  it('never keeps a reply that a write overtook: what it holds is what Redis holds', async () => {
    // The read and the write leave together; when Redis runs the read first, the write's push
    // reaches this process in the same chunk as the read's reply and is applied before the reply's
    // caller runs. A kept reply would then be stale until the next write of the key.
    const key = `${prefix}{race}:tokens`;
    let kept = 0;
    for (let i = 0; i < 200; i++) {
      await writer.hSet(key, { v: '1', t: 'tag', s: String(i) });
      const read = cache.check(key);
      const write = writer.hSet(key, 's', `${i}-written`);
      await Promise.all([read, write]);
      await settled();
      const held = cache.peek(key);
      if (held) {
        kept++;
        expect(held[2]).toBe(`${i}-written`);
      }
    }
    expect(kept).toBeLessThan(200); // the race did happen, or this test proves nothing
  }, 60_000);

  it('forgets every key when Redis flushes the database', async () => {
    const key = `${prefix}{flush}:tokens`;
    await writer.hSet(key, { v: '1', t: 'tag', s: '1' });
    await cache.check(key);
    expect(cache.size).toBeGreaterThan(0);
    await writer.sendCommand(['FLUSHDB']);
    await settled();
    expect(cache.size).toBe(0);
  });

  it('serves nothing while no heartbeat has proven it fresh', async () => {
    const key = `${prefix}{stale}:tokens`;
    await writer.hSet(key, { v: '1', t: 'tag', s: '1' });
    const paused = new SessionReadCache({ url: server.url }, 10, redis, silent, { heartbeatMs: 60_000, maxStalenessMs: 400 });
    await paused.connect();
    try {
      while (!paused.fresh) await new Promise((r) => setTimeout(r, 5)); // the first PONG
      await paused.check(key);
      expect(paused.peek(key)).toEqual(['1', 'tag', '1']);
      await new Promise((r) => setTimeout(r, 450)); // no PONG since: Redis may have sent pushes that were lost
      expect(paused.peek(key)).toBeUndefined();
      expect(paused.size).toBe(0);
    } finally {
      await paused.close();
    }
  });
});
