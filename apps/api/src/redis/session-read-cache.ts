import type { Logger } from 'pino';
import { BasicPooledClientSideCache } from 'redis';
import { Lru } from '../kernel/lru.js';
import { createRedis, pingRedis, type Redis, type RedisTarget } from './client.js';
import { errorSummary } from '../kernel/logger.js';
import { SESSION_FIELDS } from './keyspace.js';

/** The hot path's check of a session hash: its version, seal tag and last activity (`v`, `t`, `s`), `null` where absent. */
export type CheckedFields = readonly [v: string | null, t: string | null, s: string | null];

/** Fields of {@link CheckedFields}, in order: what `HMGET` asks for. */
export const CHECK_FIELDS = [SESSION_FIELDS.version, SESSION_FIELDS.sealTag, SESSION_FIELDS.lastSeen];

/** How often the cache's connections are proven alive, and how old that proof may be before the cache is bypassed. */
export interface FreshnessOptions {
  heartbeatMs?: number;
  maxStalenessMs?: number;
}

/** What node-redis hands a cache provider for a cacheable command. */
type HandleCache = BasicPooledClientSideCache['handleCache'];

/**
 * node-redis's hooks into a client-side cache (`clientSideCache`), filled with what the hot path
 * needs and nothing more: per key, the three short fields of {@link CheckedFields}, kept as read
 * and handed out without a copy (node-redis's own cache `structuredClone`s every hit, and went
 * through a command per hit: docs/adr/0007). node-redis still does the parts that are hard to get
 * right: `CLIENT TRACKING ON` in every (re)connection's handshake, the `invalidate` pushes (by key,
 * or all), a flush when a connection errors or closes, and, on a cluster, every node's connection.
 *
 * Reads and invalidations of a key race in one way: the push of a write that follows a read comes
 * after the read's reply on the same connection, but the reply reaches its caller a microtask
 * later than node-redis applies the push. Each read therefore takes a ticket; an invalidation or
 * flush tears up the key's tickets, and a reply whose ticket is gone is returned but not kept.
 */
class TrackedChecks extends BasicPooledClientSideCache {
  readonly #checks: Lru<string, CheckedFields>;
  readonly #reading = new Map<string, object>();
  #disabled = false;

  constructor(maxEntries: number) {
    super({ maxEntries, recordStats: false });
    this.#checks = new Lru(maxEntries);
  }

  /** The key's fields, when a tracked read stored them and no invalidation came since. */
  peek(key: string): CheckedFields | undefined {
    return this.#disabled ? undefined : this.#checks.get(key);
  }

  override async handleCache(...[, parser, fn, transformReply, typeMapping]: Parameters<HandleCache>): Promise<unknown> {
    const key = String(parser.keys[0]);
    const ticket = {};
    this.#reading.set(key, ticket);
    let value: unknown;
    try {
      const reply = await fn();
      value = transformReply ? transformReply(reply, parser.preserve, typeMapping) : reply;
    } catch (err) {
      if (this.#reading.get(key) === ticket) this.#reading.delete(key);
      throw err;
    }
    if (this.#reading.get(key) !== ticket) return value; // invalidated (or read again) meanwhile
    this.#reading.delete(key);
    const checked = checkedFields(String(parser.redisArgs[0]).toUpperCase(), value);
    if (checked && !this.#disabled) this.#checks.set(key, checked);
    return value;
  }

  override invalidate(key: unknown): void {
    if (key === null) return this.clear();
    const name = String(key);
    this.#checks.delete(name);
    this.#reading.delete(name);
  }

  override clear(): void {
    this.#checks.clear();
    this.#reading.clear();
  }

  override size(): number {
    return this.#checks.size;
  }

  /** A cluster rediscovering its slots: nothing is served or kept until it is done. */
  override disable(): void {
    this.#disabled = true;
    this.clear();
  }

  override enable(): void {
    this.#disabled = false;
  }

  override onError(): void {
    this.clear();
  }

  override onClose(): void {
    this.clear();
  }

  override onPoolClose(): void {
    this.clear();
  }
}

/** The fields of a `HMGET key v t s` (array) or `HGETALL key` (object) reply; undefined for any other command. */
function checkedFields(command: string, value: unknown): CheckedFields | undefined {
  if (command === 'HMGET' && Array.isArray(value) && value.length === 3) return value.map((f: unknown) => (f == null ? null : String(f))) as unknown as CheckedFields;
  if (command === 'HGETALL' && value && typeof value === 'object') {
    const hash = value as Record<string, string | undefined>;
    return [hash[SESSION_FIELDS.version] ?? null, hash[SESSION_FIELDS.sealTag] ?? null, hash[SESSION_FIELDS.lastSeen] ?? null];
  }
  return undefined;
}

/**
 * The request path's reads of a session's token hash, kept coherent by Redis: a second client in
 * RESP3 with `CLIENT TRACKING`, so every write or expiry of a key it read, by any instance, makes
 * Redis push an invalidation to this process, which drops the key's entry before it can be served
 * again (docs/adr/0007-client-side-cache.md). What is kept is the key's `v t s` (version, seal tag,
 * last activity): the token store holds the opened record itself, by version and tag, so a
 * matching entry answers a request with no Redis command at all.
 *
 * Two things node-redis does not cover:
 * - **No news is not good news**: invalidations travel on the same connection as the replies, so
 *   a Redis that hangs, or a network that drops packets without closing the connection, would
 *   leave entries served for as long as the socket looks open. A heartbeat `PING`s every node of
 *   the cache's client; a `PONG` proves that every invalidation Redis produced before the `PING`
 *   has been applied. A lookup whose latest proof is older than `maxStalenessMs` clears the cache
 *   and goes to Redis through the main client (which answers, or fails with the command deadline:
 *   503 as without the cache).
 * - **Our own writes**: they go through the main client, on another connection; the token store
 *   drops the entry locally as soon as its write returns ({@link SessionReadCache.invalidate}),
 *   so this process never serves its own superseded record while the push is on its way.
 */
export class SessionReadCache {
  readonly #heartbeatMs: number;
  readonly #maxStalenessMs: number;
  #confirmedAt = 0;
  #refused = false;
  #pinging = false;
  #timer: NodeJS.Timeout | undefined;

  /** The caching client, behind the same command deadline as every other (redis/client.ts). */
  private readonly client: Redis;
  private readonly checks: TrackedChecks;

  /** A cache of at most `maxEntries` sessions' checks, on its own connection(s) to `target` (one server or a Cluster). */
  constructor(
    target: RedisTarget,
    maxEntries: number,
    /** The main client: what reads use while the cache is not proven fresh. */
    private readonly direct: Redis,
    private readonly logger: Logger,
    options: FreshnessOptions = {},
  ) {
    // 250 ms: the longest a session ended elsewhere is still served when this instance's link to
    // Redis stalls (ADR 0007, issue 19 addendum); it costs 20 PINGs a second per node, no command per request
    this.#heartbeatMs = options.heartbeatMs ?? 50;
    this.#maxStalenessMs = options.maxStalenessMs ?? 250;
    this.checks = new TrackedChecks(maxEntries);
    this.client = createRedis(target, logger.child({ redisClient: 'client-side cache' }), {
      clientSideCache: this.checks,
      onRefused: (err) => this.#refuse(err),
    });
  }

  /** Entries held now (tests, diagnostics). */
  get size(): number {
    return this.checks.size();
  }

  /** True while a heartbeat proved, within `maxStalenessMs`, that no invalidation is outstanding. */
  get fresh(): boolean {
    return Date.now() - this.#confirmedAt <= this.#maxStalenessMs;
  }

  /**
   * Redis refused the tracking connection's handshake (no RESP3, or `CLIENT TRACKING` not allowed
   * by an ACL or a managed service): the cache is off until the process restarts, every lookup
   * reads Redis through the main client, and the connection stops retrying.
   */
  #refuse(err: Error): void {
    if (this.#refused) return;
    this.#refused = true;
    this.logger.warn(
      { event: 'redis_client_cache', err: errorSummary(err) },
      'client-side cache off until restart: Redis refused RESP3 client tracking; every lookup reads Redis (REDIS_CLIENT_CACHE=off silences this)',
    );
    void this.close();
  }

  /** True once Redis refused the cache's handshake: the cache is off until the process restarts. */
  get isRefused(): boolean {
    return this.#refused;
  }

  /** The key's `v t s` without a Redis command: only when the cache is proven fresh and holds them. */
  peek(key: string): CheckedFields | undefined {
    if (this.fresh) return this.checks.peek(key);
    this.checks.clear();
    return undefined;
  }

  /** `HMGET key v t s`: tracked and kept when the cache is fresh, else straight from Redis. */
  check(key: string): Promise<CheckedFields> {
    return (this.fresh ? this.client : this.direct).hmGet(key, CHECK_FIELDS) as Promise<unknown> as Promise<CheckedFields>;
  }

  /** `HGETALL key`: tracked (its `v t s` kept) when the cache is fresh, else straight from Redis. */
  hGetAll(key: string): Promise<Record<string, string>> {
    return (this.fresh ? this.client : this.direct).hGetAll(key);
  }

  /** Drops one key's entry at once (after this process wrote or deleted the key). */
  invalidate(key: string): void {
    this.checks.invalidate(key);
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
    this.checks.clear();
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
