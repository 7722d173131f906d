import { randomUUID } from 'node:crypto';
import { ReplicationUnconfirmedError, type Redis } from '../redis/client.js';
import type { ReplicatedWrites } from '../redis/replication.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const ACQUIRE = `return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** A lease this process holds; renewed in the background until released. */
export interface HeldLease {
  /** Stops renewing and deletes the lease if it is still ours (compare and delete); deferred while {@link HeldLease.keepUntil} holds it. */
  release(): Promise<void>;
  /** Keeps renewing the lease until `done` settles, even if {@link HeldLease.release} is called first. */
  keepUntil(done: Promise<unknown>): void;
}

/**
 * Tries to take the lease `key` for `ttlMs` (`SET NX PX`). While held it is renewed every third of
 * its TTL (compare and `PEXPIRE`), so a slow IdP never lets a second holder in; a holder that dies
 * stops renewing and the lease lapses within `ttlMs` (docs/adr/0002-single-flight-refresh.md).
 * Resolves `undefined` when another holder has it.
 *
 * With `replicated`, the lease counts only once a replica has it (`WAIT`): a lease that lived on
 * a primary alone could vanish in a failover and let a second instance redeem the same refresh
 * token (docs/adr/0005-redis-failover.md). Unconfirmed, it is given back and the call fails like
 * Redis being down.
 */
export async function acquireLease(
  redis: Redis,
  key: string,
  ttlMs: number,
  onRenewError: (err: unknown) => void,
  replicated?: ReplicatedWrites,
): Promise<HeldLease | undefined> {
  const holder = randomUUID();
  const release = () => redis.eval(RELEASE, { keys: [key], arguments: [holder] }).then(() => undefined, () => undefined);
  if (replicated) {
    const { result, confirmed } = await replicated.eval(key, ACQUIRE, [key], [holder, String(ttlMs)]);
    if (result !== 'OK') return undefined;
    if (!confirmed) {
      await release();
      throw new ReplicationUnconfirmedError('the refresh lease');
    }
  } else if ((await redis.set(key, holder, { NX: true, PX: ttlMs })) !== 'OK') return undefined;
  const renew = setInterval(() => {
    redis.eval(RENEW, { keys: [key], arguments: [holder, String(ttlMs)] }).catch(onRenewError);
  }, Math.max(50, Math.floor(ttlMs / 3)));
  let kept: Promise<unknown> | undefined;
  const stop = async () => {
    clearInterval(renew);
    await release();
  };
  return {
    async release() {
      if (kept) void kept.finally(stop);
      else await stop();
    },
    keepUntil(done) {
      kept = done;
    },
  };
}
