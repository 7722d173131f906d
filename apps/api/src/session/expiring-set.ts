import type { Redis } from '../redis/client.js';
import type { ReplicatedWrites } from '../redis/replication.js';

/**
 * Lua, one key (a sorted set of member → absolute expiry, unix seconds): drop members past their
 * expiry, add this one, and let the set itself expire with its longest-lived member, so the key
 * always has a TTL and never outlives what it counts.
 */
const ADD = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('EXPIREAT', KEYS[1], last[2])
return 1`;

/**
 * Adds `member`, live until `expiresAt`, to the sorted set at `key` (the user's session index, the
 * deployment's active sessions), pruning expired members and moving the key's own expiry to its
 * longest-lived member's, in one script. Removing members needs no care: the TTL stays a bound.
 */
export async function addToExpiringSet(redis: Redis, key: string, member: string, expiresAt: number, now = Math.floor(Date.now() / 1000)): Promise<void> {
  await redis.eval(ADD, { keys: [key], arguments: [member, String(expiresAt), String(now)] });
}

/** {@link addToExpiringSet} on the key's master, waiting for a replica to have it (redis/replication.ts). */
export async function addToExpiringSetReplicated(writes: ReplicatedWrites, key: string, member: string, expiresAt: number, now = Math.floor(Date.now() / 1000)): Promise<{ confirmed: boolean }> {
  const { confirmed } = await writes.eval(key, ADD, [key], [member, String(expiresAt), String(now)]);
  return { confirmed };
}
