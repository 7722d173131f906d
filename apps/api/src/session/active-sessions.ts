import { createHash } from 'node:crypto';
import { errorSummary } from '../kernel/logger.js';
import type { Logger } from 'pino';
import type { Redis } from '../redis/client.js';
import { activeSessionsKey } from '../redis/keyspace.js';
import { addToExpiringSet } from './expiring-set.js';
import type { SessionCounter } from '../telemetry/metrics.js';

/**
 * Live sessions of the whole deployment, for the `bff_active_sessions` gauge, without scanning
 * the keyspace: one sorted set `<prefix>active-sessions` of hashed session id → absolute expiry
 * (unix seconds). Sign-in adds, sign-out and a rejected refresh token remove, and each scrape
 * first drops the members past their expiry (`ZREMRANGEBYSCORE` + `ZCARD`: O(log N) per scrape,
 * nothing on the request path).
 *
 * The key expires with its longest-lived member (each sign-in moves the expiry), so like every
 * key of the BFF it has a TTL, and it can only expire once every member it counts has.
 *
 * Limits: a session that ends without passing through the BFF (idle timeout, its keys deleted by
 * hand, Redis flushed) is still counted until its absolute expiry. One key: in a Redis Cluster it
 * lives in one slot, which sign-ins and sign-outs (rare, not per request) can afford.
 */
export class ActiveSessions implements SessionCounter {
  readonly #key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly logger: Logger,
    private readonly counters?: { sessionStarted(): void; sessionEnded(): void },
  ) {
    this.#key = activeSessionsKey(prefix);
  }

  /** Counts a new session until `expiresAt` (best effort: a failure is logged, sign-in goes on). */
  async started(sid: string, expiresAt: number): Promise<void> {
    this.counters?.sessionStarted();
    await addToExpiringSet(this.redis, this.#key, member(sid), expiresAt).catch((err: unknown) => this.#failed(err));
  }

  /** Stops counting a session (best effort); a session id that was not counted changes nothing. */
  async ended(sid: string): Promise<void> {
    const removed = await this.redis.zRem(this.#key, member(sid)).catch((err: unknown) => this.#failed(err));
    if (removed) this.counters?.sessionEnded();
  }

  /** Sessions not ended and not past their absolute expiry. */
  async count(now = Math.floor(Date.now() / 1000)): Promise<number> {
    const [, card] = await this.redis.multi().zRemRangeByScore(this.#key, '-inf', now).zCard(this.#key).exec();
    return Number(card);
  }

  #failed(err: unknown) {
    this.logger.debug({ err: errorSummary(err) }, 'active-session count not updated');
  }
}

/** The set never holds a session id itself, only a digest of it. */
function member(sid: string): string {
  return createHash('sha256').update(sid).digest('base64url').slice(0, 22);
}
