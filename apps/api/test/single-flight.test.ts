import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { createRedis, type Redis } from '../src/redis/client.js';
import { ReplicatedWrites } from '../src/redis/replication.js';
import { SingleFlight, type FlightSteps, type Holding, type SingleFlightOptions } from '../src/tokens/single-flight.js';
import { testPrefix } from './support/isolation.js';

// The primitive both the refresh coordinator and the client token provider run on, against a real
// Redis: each "instance" below has a connection and a SingleFlight of its own.

const logger = pino({ level: 'silent' });
const clients: Redis[] = [];
let prefix: string;

interface Answer {
  value: string;
  via: 'hold' | 'look' | 'gave up';
}

const keysOf = (id: string) => ({ lease: `${prefix}{${id}}:lease`, failed: `${prefix}{${id}}:failed` });
const resultKey = (id: string) => `${prefix}{${id}}:result`;

async function instance(options: Partial<SingleFlightOptions> = {}): Promise<{ flight: SingleFlight<Answer>; redis: Redis }> {
  const redis = createRedis({ url: inject('redisUrl') }, logger);
  await redis.connect();
  clients.push(redis);
  const flight = new SingleFlight<Answer>(redis, { keysOf, leaseMs: 5_000, onRenewError: () => undefined, pollMs: 10, maxWaitMs: 5_000, ...options });
  return { flight, redis };
}

/**
 * Steps that write `value` under `id` after `work.ms` (or fail then, leaving the marker), and look
 * for what the holder wrote. The holder keeps its lease 100 ms longer, so that no waiter which
 * polled just before the write takes the lease over in between (production holders re-read under
 * the lease for that reason; here it would make the counts flaky).
 */
function steps(redis: Redis, id: string, work: { ms: number; value?: string; holds: Holding[] }): FlightSteps<Answer> {
  return {
    async hold(holding) {
      work.holds.push(holding);
      await sleep(work.ms);
      if (work.value === undefined) await holding.markFailed();
      else await redis.set(resultKey(id), work.value);
      await sleep(100);
      return { value: work.value ?? 'failed', via: 'hold' };
    },
    async look() {
      const value = await redis.get(resultKey(id));
      return value === null ? undefined : { value, via: 'look' };
    },
    giveUp: () => ({ value: 'none', via: 'gave up' }),
  };
}

beforeEach(() => {
  prefix = testPrefix();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
});

describe('the single-flight primitive', () => {
  it('two instances asking at once: one takes the lease and works once, the other waits and gets its result', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const work = { ms: 200, value: 'v1', holds: [] as Holding[] };
    const answers = await Promise.all([a.flight.run('x', steps(a.redis, 'x', work)), b.flight.run('x', steps(b.redis, 'x', work))]);
    expect(work.holds).toHaveLength(1);
    expect(answers.map((r) => r.via).sort()).toEqual(['hold', 'look']);
    expect(answers.map((r) => r.value)).toEqual(['v1', 'v1']);
    expect(await a.redis.exists(keysOf('x').lease)).toBe(0); // given back
  });

  it('a failure marker makes the waiters give up at once instead of waiting out the bound', async () => {
    const [a, b, c] = await Promise.all([instance({ maxWaitMs: 20_000 }), instance({ maxWaitMs: 20_000 }), instance({ maxWaitMs: 20_000 })]);
    const work = { ms: 150, holds: [] as Holding[] }; // no value: the holder fails
    const started = Date.now();
    const answers = await Promise.all([a, b, c].map(({ flight, redis }) => flight.run('x', steps(redis, 'x', work))));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(work.holds).toHaveLength(1);
    expect(answers.map((r) => r.via).sort()).toEqual(['gave up', 'gave up', 'hold']);
    const markerTtl = await a.redis.pTTL(keysOf('x').failed);
    expect(markerTtl).toBeGreaterThan(0);
    expect(markerTtl).toBeLessThanOrEqual(2_000);
  });

  it('a marker left before a flight started does not make it give up: it waits and takes over', async () => {
    const { flight, redis } = await instance();
    await redis.set(keysOf('x').failed, String(Date.now() - 50), { PX: 2_000 });
    await redis.set(keysOf('x').lease, 'a holder that died', { PX: 200 });
    const work = { ms: 0, value: 'v2', holds: [] as Holding[] };
    expect(await flight.run('x', steps(redis, 'x', work))).toEqual({ value: 'v2', via: 'hold' });
    expect(work.holds.map((h) => h.waited)).toEqual([true]);
  });

  it('counts from when the caller began asking: a marker left after that, before the flight, ends the wait at once', async () => {
    const { flight, redis } = await instance({ maxWaitMs: 20_000 });
    const asked = Date.now() - 50; // the caller looked in Redis first (the client-token cache does)
    await redis.set(keysOf('x').failed, String(Date.now() - 10), { PX: 2_000 });
    await redis.set(keysOf('x').lease, 'the holder that just failed', { PX: 5_000 });
    const work = { ms: 0, value: 'v3', holds: [] as Holding[] };
    const started = Date.now();
    expect(await flight.run('x', steps(redis, 'x', work), undefined, asked)).toEqual({ value: 'none', via: 'gave up' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(work.holds).toHaveLength(0);
  });

  it('without a result or a marker, a waiter gives up after maxWaitMs', async () => {
    const { flight, redis } = await instance({ maxWaitMs: 300 });
    await redis.set(keysOf('x').lease, 'a holder that never answers', { PX: 10_000 });
    const started = Date.now();
    const work = { ms: 0, value: 'never', holds: [] as Holding[] };
    expect(await flight.run('x', steps(redis, 'x', work))).toEqual({ value: 'none', via: 'gave up' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(work.holds).toHaveLength(0);
  });

  it('a waiter whose holder died takes the lease over once it lapses, and knows it waited', async () => {
    const { flight, redis } = await instance();
    await redis.set(keysOf('x').lease, 'a holder that died', { PX: 300 });
    const work = { ms: 0, value: 'v3', holds: [] as Holding[] };
    const started = Date.now();
    expect(await flight.run('x', steps(redis, 'x', work))).toEqual({ value: 'v3', via: 'hold' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(work.holds.map((h) => h.waited)).toEqual([true]);
    expect(work.holds[0]!.started).toBeGreaterThanOrEqual(started);
  });

  it('a slow holder keeps its lease renewed: no other instance works meanwhile', async () => {
    const [a, b] = await Promise.all([instance({ leaseMs: 150 }), instance({ leaseMs: 150 })]);
    const work = { ms: 700, value: 'slow', holds: [] as Holding[] };
    const answers = await Promise.all([a.flight.run('x', steps(a.redis, 'x', work)), sleep(20).then(() => b.flight.run('x', steps(b.redis, 'x', work)))]);
    expect(work.holds).toHaveLength(1);
    expect(answers.map((r) => r.via)).toEqual(['hold', 'look']);
  });

  it('a fenced lease stands for its whole fence and is never renewed', async () => {
    const { redis } = await instance();
    const { flight } = await instance({ leaseMs: 100, fence: { writes: new ReplicatedWrites(redis, inject('redisUrl'), logger), fenceMs: 3_000 } });
    const ttls: number[] = [];
    await flight.run('x', {
      async hold(holding) {
        expect(holding.lease.fencedUntil).toBeGreaterThan(Date.now() + 2_000);
        for (let i = 0; i < 3; i++) {
          await sleep(150);
          ttls.push(await redis.pTTL(keysOf('x').lease));
        }
        return { value: 'fenced', via: 'hold' };
      },
      look: () => Promise.resolve(undefined),
      giveUp: () => ({ value: 'none', via: 'gave up' }),
    });
    // a renewed 100 ms lease would read at most 100 ms each time
    expect(ttls.every((ttl) => ttl > 2_000 && ttl <= 3_000)).toBe(true);
    expect(ttls[2]!).toBeLessThan(ttls[0]!);
    expect(await redis.exists(keysOf('x').lease)).toBe(0);
  });

  it('runIfFree never waits: undefined while somebody else holds the lease, the work when it is free', async () => {
    const { flight, redis } = await instance();
    const work = { ms: 0, value: 'v4', holds: [] as Holding[] };
    await redis.set(keysOf('x').lease, 'somebody else', { PX: 5_000 });
    const started = Date.now();
    expect(await flight.runIfFree('x', steps(redis, 'x', work).hold)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(200);
    expect(work.holds).toHaveLength(0);
    await redis.del(keysOf('x').lease);
    expect(await flight.runIfFree('x', steps(redis, 'x', work).hold)).toEqual({ value: 'v4', via: 'hold' });
    expect(work.holds.map((h) => h.waited)).toEqual([false]);
  });

  it('concurrent callers in one process share one promise, and the flight ends with it', async () => {
    let joined = 0;
    const { flight } = await instance({ onJoin: () => joined++ });
    let starts = 0;
    const start = async (): Promise<Answer> => {
      starts++;
      await sleep(50);
      return { value: 'shared', via: 'hold' };
    };
    const pending = Array.from({ length: 10 }, () => flight.share('x', start));
    expect(flight.has('x')).toBe(true);
    expect(flight.size).toBe(1);
    expect(new Set(pending).size).toBe(1);
    await Promise.all(pending);
    expect(starts).toBe(1);
    expect(joined).toBe(9);
    expect(flight.has('x')).toBe(false);
    expect(flight.size).toBe(0);
  });
});
