import type { Logger } from 'pino';
import { createRedis, pingRedis, type Redis, type RedisTarget } from './client.js';

/** The parts of node-redis's client-side cache this module uses (single client and cluster alike). */
interface CacheProvider {
  clear(resetStats?: boolean): void;
  invalidate(key: string | null): void;
  size(): number;
}

/** How often the cache's connections are proven alive, and how old that proof may be before the cache is bypassed. */
export interface FreshnessOptions {
  heartbeatMs?: number;
  maxStalenessMs?: number;
}

/**
 * The request path's read of a session's token hash (`HGETALL`), answered from a client-side
 * cache that Redis keeps coherent: a second client in RESP3 with `CLIENT TRACKING` (node-redis's
 * `clientSideCache`), so every write or expiry of a cached key, by any instance, makes Redis push
 * an invalidation to this process, which drops the entry before it can be served again
 * (docs/adr/0007-client-side-cache.md).
 *
 * Two things node-redis does not cover:
 * - **No news is not good news**: invalidations travel on the same connection as the replies, so
 *   a Redis that hangs, or a network that drops packets without closing the connection, would
 *   leave cached records served for as long as the socket looks open. A heartbeat `PING`s every
 *   node of the cache's client; a `PONG` proves that every invalidation Redis produced before the
 *   `PING` has been applied. A read whose latest proof is older than `maxStalenessMs` clears the
 *   cache and goes to Redis (which answers, or fails with the command deadline: 503 as without
 *   the cache).
 * - **Our own writes**: they go through the main client, on another connection; the token store
 *   drops the entry locally as soon as its write returns ({@link SessionReadCache.invalidate}),
 *   so this process never serves its own superseded record while the push is on its way.
 *
 * node-redis itself clears the cache when a connection errors or closes (invalidations may have
 * been lost), and re-enables tracking on every reconnect.
 */
export class SessionReadCache {
  readonly #heartbeatMs: number;
  readonly #maxStalenessMs: number;
  #confirmedAt = 0;
  #pinging = false;
  #timer: NodeJS.Timeout | undefined;

  private constructor(
    /** The caching client, behind the same command deadline as every other (redis/client.ts). */
    private readonly client: Redis,
    /** The main client: what reads use while the cache is not proven fresh. */
    private readonly direct: Redis,
    private readonly logger: Logger,
    options: FreshnessOptions,
  ) {
    this.#heartbeatMs = options.heartbeatMs ?? 100;
    this.#maxStalenessMs = options.maxStalenessMs ?? 500;
  }

  /** A cache of at most `maxEntries` session hashes, on its own connection(s) to `target` (one server or a Cluster). */
  static create(target: RedisTarget, maxEntries: number, direct: Redis, logger: Logger, options: FreshnessOptions = {}): SessionReadCache {
    const client = createRedis(target, logger.child({ redisClient: 'client-side cache' }), { clientSideCache: { maxEntries } });
    return new SessionReadCache(client, direct, logger, options);
  }

  /** The node-redis cache of the current client (the cluster client is rebuilt after a failover, and its cache with it). */
  get #cache(): CacheProvider | undefined {
    return (this.client as unknown as { clientSideCache?: CacheProvider }).clientSideCache;
  }

  /** Entries held now (tests, diagnostics). */
  get size(): number {
    return this.#cache?.size() ?? 0;
  }

  /** True while a heartbeat proved, within `maxStalenessMs`, that no invalidation is outstanding. */
  get fresh(): boolean {
    return Date.now() - this.#confirmedAt <= this.#maxStalenessMs;
  }

  /** `HGETALL key`: from the cache when it is proven fresh and holds the key, else from Redis (and cached when fresh). */
  hGetAll(key: string): Promise<Record<string, string>> {
    if (this.fresh) return this.client.hGetAll(key);
    if (this.#cache?.size()) this.#cache.clear(false);
    return this.direct.hGetAll(key);
  }

  /** Drops one key's entry at once (after this process wrote or deleted the key). */
  invalidate(key: string): void {
    this.#cache?.invalidate(key);
  }

  /** Connects (the caller bounds the wait, as for the main client) and starts the heartbeat. */
  async connect(): Promise<void> {
    this.#timer ??= setInterval(() => this.#beat(), this.#heartbeatMs).unref();
    await this.client.connect();
    this.#beat();
  }

  /** Stops the heartbeat and closes the connection(s). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#confirmedAt = 0;
    if (!this.client.isOpen) return;
    const closed = await Promise.race([this.client.close().then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), 2_000).unref())]);
    if (!closed) this.client.destroy();
  }

  #beat(): void {
    if (this.#pinging || !this.client.isOpen) return;
    this.#pinging = true;
    const sentAt = Date.now();
    pingRedis(this.client)
      .then(() => {
        if (!this.fresh) this.logger.debug({ event: 'redis_client_cache' }, 'client-side cache confirmed fresh again');
        this.#confirmedAt = Math.max(this.#confirmedAt, sentAt);
      })
      .catch(() => undefined) // the deadline proxy fails it; reads bypass the cache until a PONG comes back
      .finally(() => (this.#pinging = false));
  }
}
