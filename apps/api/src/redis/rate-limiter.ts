import type { Redis } from './client.js';
import { rateLimitKey } from './keyspace.js';

/**
 * Lua: one hit on a fixed window that starts with the key's first hit. Counts the hit, gives a
 * key without expiry (a new window, or one that somehow lost it) the window's length, and returns
 * the count and the milliseconds left. One script = one atomic round trip on one key.
 */
const HIT = `
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}`;

/** Outcome of one counted request. */
export type RateDecision = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed-window request counter shared by all instances through Redis. Key
 * `<prefix>rl:{<client>}:<route>`: the `{client}` hash tag (docs/adr/0001) keeps each key in one
 * Redis Cluster slot. A fixed window lets a client spend up to twice the limit around a window's
 * edge, which is fine for its purpose (slowing down floods of sign-in starts and callbacks).
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Key of one client's counter for one route. */
  key(client: string, route: string): string {
    return rateLimitKey(this.prefix, client, route);
  }

  /** Counts one request of `client` on `route` and says whether it is within the limit. */
  async hit(client: string, route: string): Promise<RateDecision> {
    const reply = await this.redis.eval(HIT, { keys: [this.key(client, route)], arguments: [String(this.windowMs)] });
    const [count, ttlMs] = (Array.isArray(reply) ? reply : []).map(Number);
    if (count === undefined || ttlMs === undefined || !Number.isFinite(count)) throw new Error('unexpected rate limiter reply');
    if (count <= this.limit) return { allowed: true, remaining: this.limit - count };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
  }
}
