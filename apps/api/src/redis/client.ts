import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  createCluster,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  TimeoutError,
  type RedisClientOptions,
  type RedisClientType,
  type RedisClusterType,
} from 'redis';
import type { Logger } from 'pino';
import { withDeadline } from './command-deadline.js';

/** Redis client type used everywhere (RESP2, default type mapping). */
export type Redis = RedisClientType;

/** Every command waits at most this long: an outage answers 503 within 2 s, never a hang. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;

/** Where Redis is: one server, or the seed nodes of a Redis Cluster. */
export interface RedisTarget {
  url: string;
  /** `host:port` or `redis://…` seed nodes; when set, the cluster client is used and `url` only lends its credentials and TLS. */
  clusterNodes?: string[];
}

const SOCKET = {
  connectTimeout: 1_000,
  reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000),
};
const BEHAVIOUR = { disableOfflineQueue: true, commandsQueueMaxLength: 10_000 } as const;

/**
 * Creates the Redis client: no offline queue (a command while disconnected fails at once instead
 * of queueing forever), a per-command deadline, and endless capped reconnects so the API recovers
 * by itself when Redis comes back. With cluster nodes, a node-redis cluster client with the same
 * behaviour on every node: every key the BFF writes carries a hash tag, so each command and
 * script stays in one slot (docs/adr/0001).
 */
export function createRedis(target: RedisTarget, logger: Logger): Redis {
  const base = target.clusterNodes?.length ? createClusterClient(target) : createClient({ url: target.url, ...BEHAVIOUR, socket: SOCKET });
  let down = false;
  const onError = (err: Error) => {
    if (!down) logger.warn({ err: { message: err.message, name: err.name } }, 'redis unavailable');
    down = true;
  };
  base.on('error', onError);
  base.on('node-error', onError);
  base.on(target.clusterNodes?.length ? 'node-ready' : 'ready', () => {
    if (down) logger.info('redis connection restored');
    down = false;
  });
  // the deadline proxy replaces node-redis's own `timeout` option, which costs an AbortSignal per command
  return withDeadline(base as unknown as Redis, REDIS_COMMAND_TIMEOUT_MS);
}

function createClusterClient(target: RedisTarget): RedisClientType {
  const credentials = new URL(target.url);
  const defaults: Partial<RedisClientOptions> = {
    ...BEHAVIOUR,
    socket: { ...SOCKET, ...(credentials.protocol === 'rediss:' ? { tls: true as const } : {}) },
    ...(credentials.username ? { username: decodeURIComponent(credentials.username) } : {}),
    ...(credentials.password ? { password: decodeURIComponent(credentials.password) } : {}),
  };
  const rootNodes = (target.clusterNodes ?? []).map((node) => ({ url: /^rediss?:\/\//.test(node) ? node : `${credentials.protocol}//${node}` }));
  return createCluster({ rootNodes, defaults }) as unknown as RedisClientType;
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
    err instanceof ConnectionTimeoutError ||
    err instanceof SocketClosedUnexpectedlyError ||
    err instanceof ReconnectStrategyError ||
    err instanceof TimeoutError ||
    (err instanceof Error && (err.name === 'AbortError' || /ECONNREFUSED|ECONNRESET|EPIPE/.test(err.message)))
  );
}
