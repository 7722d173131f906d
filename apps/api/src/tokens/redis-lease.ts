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
  /** Keeps the lease until `done` settles, even if {@link HeldLease.release} is called first. */
  keepUntil(done: Promise<unknown>): void;
  /**
   * Unix ms until which the lease is sure to stand on whichever node a failover promotes (a
   * replica-confirmed lease); `undefined` for a lease that is renewed instead (one server).
   */
  fencedUntil?: number;
}

/** With replicas: where the lease is confirmed, and how long it stands (docs/adr/0005-redis-failover.md). */
export interface ReplicatedLease {
  writes: ReplicatedWrites;
  /** Time-to-live of the lease, confirmed by a replica before the refresh token is redeemed; never renewed. */
  fenceMs: number;
}

/**
 * Tries to take the lease `key` for `ttlMs` (`SET NX PX`). While held it is renewed every third of
 * its TTL (compare and `PEXPIRE`), so a slow IdP never lets a second holder in; a holder that dies
 * stops renewing and the lease lapses within `ttlMs` (docs/adr/0002-single-flight-refresh.md).
 * Resolves `undefined` when another holder has it.
 *
 * With `replicated`, the lease is a **fence**: taken for `fenceMs` and held only once a replica has
 * it (`WAIT`), never renewed. A renewal reaches the primary alone while the replica lags, so after
 * a failover the promoted replica would hold the lease with the expiry it was confirmed with, and
 * let a second instance redeem the refresh token this holder has just spent; the fence is long
 * enough for the whole redemption and for keeping its result in hand
 * (`fencedUntil`; docs/adr/0005-redis-failover.md). Unconfirmed, it is given back and the call fails
 * like Redis being down. Giving it back is repeated until a replica confirms it, so that a failover
 * cannot bring back a fence nobody holds.
 */
export async function acquireLease(
  redis: Redis,
  key: string,
  ttlMs: number,
  onRenewError: (err: unknown) => void,
  replicated?: ReplicatedLease,
): Promise<HeldLease | undefined> {
  const holder = randomUUID();
  if (replicated) return acquireFence(key, holder, replicated);
  if ((await redis.set(key, holder, { NX: true, PX: ttlMs })) !== 'OK') return undefined;
  const release = () => redis.eval(RELEASE, { keys: [key], arguments: [holder] }).then(() => undefined, () => undefined);
  const renew = setInterval(() => {
    redis.eval(RENEW, { keys: [key], arguments: [holder, String(ttlMs)] }).catch(onRenewError);
  }, Math.max(50, Math.floor(ttlMs / 3)));
  return deferrable(async () => {
    clearInterval(renew);
    await release();
  });
}

/** The replica-confirmed lease of {@link acquireLease}. */
async function acquireFence(key: string, holder: string, { writes, fenceMs }: ReplicatedLease): Promise<HeldLease | undefined> {
  const takenAt = Date.now();
  const fencedUntil = takenAt + fenceMs;
  // a release that fails now is repeated in the background: nobody waits for it
  // always followed by WAIT, even when it deleted nothing: repeated on a primary that already
  // deleted the lease, its WAIT still covers that earlier, unconfirmed deletion on this connection
  const release = () => writes.evalUntilConfirmed(key, RELEASE, [key], [holder], fencedUntil).catch(() => undefined);
  let taken;
  try {
    // a lease somebody else holds wrote nothing: a waiter's attempt does not wait for a replica
    taken = await writes.eval(key, ACQUIRE, [key], [holder, String(fenceMs)], (set) => set === 'OK');
  } catch (err) {
    void release(); // it may have been set before the error
    throw err;
  }
  if (taken.result !== 'OK') return undefined;
  if (!taken.confirmed) {
    void release();
    throw new ReplicationUnconfirmedError('the refresh lease');
  }
  return { ...deferrable(release), fencedUntil };
}

/** release() and keepUntil() over a function that lets the lease go. */
function deferrable(letGo: () => Promise<void>): HeldLease {
  let kept: Promise<unknown> | undefined;
  return {
    async release() {
      if (kept) void kept.finally(letGo);
      else await letGo();
    },
    keepUntil(done) {
      kept = done;
    },
  };
}
