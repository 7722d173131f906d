import { randomUUID } from 'node:crypto';
import type { Redis } from '../redis/client.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** A lease this process holds; renewed in the background until released. */
export interface HeldLease {
  /** Stops renewing and deletes the lease if it is still ours (compare and delete). */
  release(): Promise<void>;
}

/**
 * Tries to take the lease `key` for `ttlMs` (`SET NX PX`). While held it is renewed every third of
 * its TTL (compare and `PEXPIRE`), so a slow IdP never lets a second holder in; a holder that dies
 * stops renewing and the lease lapses within `ttlMs` (docs/adr/0002-single-flight-refresh.md).
 * Resolves `undefined` when another holder has it.
 */
export async function acquireLease(redis: Redis, key: string, ttlMs: number, onRenewError: (err: unknown) => void): Promise<HeldLease | undefined> {
  const holder = randomUUID();
  if ((await redis.set(key, holder, { NX: true, PX: ttlMs })) !== 'OK') return undefined;
  const renew = setInterval(() => {
    redis.eval(RENEW, { keys: [key], arguments: [holder, String(ttlMs)] }).catch(onRenewError);
  }, Math.max(50, Math.floor(ttlMs / 3)));
  return {
    async release() {
      clearInterval(renew);
      await redis.eval(RELEASE, { keys: [key], arguments: [holder] }).catch(() => undefined);
    },
  };
}
