import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  DisconnectsClientError,
  ErrorReply,
  createClient,
  createCluster,
  createSentinel,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  TimeoutError,
  type BasicPooledClientSideCache,
  type RedisClientOptions,
  type RedisClientType,
  type RedisClusterType,
  type RedisSentinelType,
} from 'redis';
import type { Logger } from 'pino';
import { withDeadline } from './command-deadline.js';
import { errorSummary } from '../kernel/logger.js';

/** Redis client type used everywhere (RESP2, default type mapping). */
export type Redis = RedisClientType;

/** Every command waits at most this long: an outage answers 503 within 2 s, never a hang. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;

/** A client-side cache node-redis fills and invalidates (redis/session-read-cache.ts); pooled, so a cluster client takes it too. */
export type ClientSideCache = BasicPooledClientSideCache;

/** Where Redis is: one server, the seed nodes of a Redis Cluster, or the sentinels of a primary with replicas. */
export interface RedisTarget {
  url: string;
  /** `host:port` or `redis://…` seed nodes; when set, the cluster client is used and `url` only lends its credentials and TLS. */
  clusterNodes?: string[];
  /** `host:port` of the sentinels and the name they monitor the primary under; `url` lends credentials and TLS to the data nodes. */
  sentinel?: { nodes: string[]; master: string };
}

/** What {@link createRedis} built, for the code that must reach a key's master directly (redis/replication.ts). */
export type Topology =
  | { kind: 'single' }
  | { kind: 'cluster'; cluster: () => RedisClusterType }
  | { kind: 'sentinel'; sentinel: RedisSentinelType };

const topologies = new WeakMap<object, Topology>();

/** The topology behind a client made by {@link createRedis} (`single` for any other client). */
export function topologyOf(redis: Redis): Topology {
  return topologies.get(redis) ?? { kind: 'single' };
}

const SOCKET = {
  connectTimeout: 1_000,
  reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000),
};
const BEHAVIOUR = { disableOfflineQueue: true, commandsQueueMaxLength: 10_000 } as const;

/**
 * Options of a client to one data node: no offline queue, capped reconnects, and the credentials
 * and `rediss:` TLS of `REDIS_URL` (cluster nodes, the sentinel's primary and replicas, and the
 * dedicated connections of redis/replication.ts).
 */
export function nodeClientOptions(url: string): RedisClientOptions {
  const credentials = new URL(url);
  return {
    ...BEHAVIOUR,
    socket: { ...SOCKET, ...(credentials.protocol === 'rediss:' ? { tls: true as const } : {}) },
    ...(credentials.username ? { username: decodeURIComponent(credentials.username) } : {}),
    ...(credentials.password ? { password: decodeURIComponent(credentials.password) } : {}),
  };
}

/**
 * Creates the Redis client: no offline queue (a command while disconnected fails at once instead
 * of queueing forever), a per-command deadline, and endless capped reconnects so the API recovers
 * by itself when Redis comes back. With cluster nodes, a node-redis cluster client with the same
 * behaviour on every node (every key the BFF writes carries a hash tag, so each command and
 * script stays in one slot, docs/adr/0001), rebuilt from the seeds when a node stops answering;
 * with sentinels, node-redis's sentinel client (docs/adr/0005-redis-failover.md).
 */
export function createRedis(
  target: RedisTarget,
  logger: Logger,
  options: {
    clientSideCache?: ClientSideCache;
    /** Redis answered a connection's handshake with an error (e.g. `HELLO 3` or `CLIENT TRACKING` refused): told instead of "unavailable". */
    onRefused?: (err: Error) => void;
  } = {},
): Redis {
  // RESP3 only where a client-side cache needs its invalidation pushes (redis/session-read-cache.ts)
  const caching = options.clientSideCache ? ({ RESP: 3, clientSideCache: options.clientSideCache } as const) : {};
  if (options.clientSideCache && target.sentinel) throw new Error('the client-side cache is not supported with Sentinel');
  let down = false;
  const onError = (err: Error) => {
    // a command's error reply rejects that command; one that comes as an event failed a handshake
    if (options.onRefused && err instanceof ErrorReply) return options.onRefused(err);
    if (!down) logger.warn({ err: errorSummary(err) }, 'redis unavailable');
    down = true;
  };
  const onReady = () => {
    if (down) logger.info('redis connection restored');
    down = false;
  };
  if (target.sentinel) {
    const sentinel = createSentinelClient(target.url, target.sentinel);
    sentinel.on('error', onError);
    sentinel.on('topology-change', (event: { type?: string }) => {
      if (event.type === 'MASTER_CHANGE') logger.warn({ event: 'redis_failover' }, 'sentinel: the primary changed');
      onReady();
    });
    const redis = withDeadline(() => sentinel as unknown as Redis, REDIS_COMMAND_TIMEOUT_MS);
    topologies.set(redis, { kind: 'sentinel', sentinel });
    return redis;
  }
  if (target.clusterNodes?.length) {
    const nodes = target.clusterNodes;
    const rebuilding = new ClusterRebuilder(() => {
      const cluster = createClusterClient(target.url, nodes, caching);
      cluster.on('error', onError);
      cluster.on('node-error', onError);
      cluster.on('node-ready', onReady);
      return cluster;
    }, logger);
    const redis = withDeadline(() => rebuilding.current as unknown as Redis, REDIS_COMMAND_TIMEOUT_MS, (err) => {
      if (isRedisUnavailable(err)) rebuilding.rebuild();
    });
    topologies.set(redis, { kind: 'cluster', cluster: () => rebuilding.current });
    return redis;
  }
  const client = createClient({ url: target.url, ...BEHAVIOUR, socket: SOCKET, ...caching });
  client.on('error', onError);
  client.on('ready', onReady);
  // the deadline proxy replaces node-redis's own `timeout` option, which costs an AbortSignal per command
  return withDeadline(() => client as unknown as Redis, REDIS_COMMAND_TIMEOUT_MS);
}

function createClusterClient(url: string, nodes: string[], caching: { RESP?: 3; clientSideCache?: ClientSideCache }): RedisClusterType {
  const protocol = new URL(url).protocol;
  const rootNodes = nodes.map((node) => ({ url: /^rediss?:\/\//.test(node) ? node : `${protocol}//${node}` }));
  return createCluster({ rootNodes, defaults: nodeClientOptions(url), ...caching }) as unknown as RedisClusterType;
}

function createSentinelClient(url: string, sentinel: { nodes: string[]; master: string }): RedisSentinelType {
  const node = nodeClientOptions(url);
  return createSentinel({
    name: sentinel.master,
    sentinelRootNodes: sentinel.nodes.map((n) => {
      const at = n.lastIndexOf(':');
      return { host: n.slice(0, at), port: Number(n.slice(at + 1)) };
    }),
    nodeClientOptions: node,
    // sentinels get the TLS setting, not the data nodes' credentials (Sentinel has its own ACL)
    sentinelClientOptions: { socket: node.socket },
    // a bigger pool stalled a burst of commands after (re)connecting for over 2 s (redis-notes)
    masterPoolSize: 1,
    passthroughClientErrorEvents: true,
  }) as unknown as RedisSentinelType;
}

/**
 * node-redis's cluster client re-reads the slot map on `MOVED`/`ASK`, but not when a node stops
 * answering, so after a primary dies and its replica is promoted, commands for its slots would
 * keep failing. On a connection-level error, this builds a new client from the seed nodes (at
 * most one rebuild at a time, at most one a second), swaps it in once it is connected, and closes
 * the old one.
 */
class ClusterRebuilder {
  current: RedisClusterType;
  #rebuilding = false;
  #lastRebuild = 0;

  constructor(
    private readonly make: () => RedisClusterType,
    private readonly logger: Logger,
  ) {
    this.current = make();
  }

  rebuild(): void {
    if (this.#rebuilding || Date.now() - this.#lastRebuild < 1_000) return;
    if (!this.current.isOpen) return; // never connected, or closed by the application
    this.#rebuilding = true;
    const next = this.make();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError()), 3_000)));
    void Promise.race([next.connect(), deadline])
      .then(() => {
        const old = this.current;
        if (!old.isOpen) return next.destroy(); // the application closed the client meanwhile
        this.current = next;
        this.logger.warn({ event: 'redis_cluster_rediscovered' }, 'redis cluster: slot map rebuilt from the seed nodes');
        // commands still on the old client have answered (or timed out) by then
        setTimeout(() => old.destroy(), REDIS_COMMAND_TIMEOUT_MS + 500).unref();
      })
      .catch(() => next.destroy())
      .finally(() => {
        clearTimeout(timer);
        this.#lastRebuild = Date.now();
        this.#rebuilding = false;
      });
  }
}

/** PING the server, or every master of a cluster, within the command deadline. */
export async function pingRedis(redis: Redis): Promise<void> {
  if (!('masters' in redis)) {
    await redis.ping();
    return;
  }
  const cluster = redis as unknown as RedisClusterType;
  await Promise.all(
    cluster.masters.map(async (master) => {
      const node = await cluster.nodeClient(master);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new TimeoutError()), REDIS_COMMAND_TIMEOUT_MS)));
      await Promise.race([node.ping(), deadline]).finally(() => clearTimeout(timer));
    }),
  );
}

/** True for the errors node-redis raises when the server is unreachable or too slow. */
export function isRedisUnavailable(err: unknown): boolean {
  return (
    err instanceof ClientClosedError ||
    err instanceof ClientOfflineError ||
    err instanceof DisconnectsClientError ||
    err instanceof ConnectionTimeoutError ||
    err instanceof SocketClosedUnexpectedlyError ||
    err instanceof ReconnectStrategyError ||
    err instanceof TimeoutError ||
    err instanceof ReplicationUnconfirmedError ||
    // a failover in progress: the cluster has no owner for a slot yet, or a write reached a node that is now a replica
    (err instanceof Error && /^(CLUSTERDOWN|READONLY|MASTERDOWN|LOADING|TRYAGAIN) /.test(err.message)) ||
    (err instanceof Error && (err.name === 'AbortError' || /ECONNREFUSED|ECONNRESET|EPIPE/.test(err.message)))
  );
}

/** A write that had to reach a replica did not within its time (redis/replication.ts): answered like Redis being down. */
export class ReplicationUnconfirmedError extends Error {
  readonly code = 'replication_unconfirmed';
  constructor(what: string) {
    super(`no replica confirmed ${what}`);
    this.name = 'ReplicationUnconfirmedError';
  }
}
