import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  createClient,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  TimeoutError,
  type RedisClientType,
} from 'redis';
import type { Logger } from 'pino';

/** Redis client type used everywhere (RESP2, default type mapping). */
export type Redis = RedisClientType;

/** Every command waits at most this long: an outage answers 503 within 2 s, never a hang. */
export const REDIS_COMMAND_TIMEOUT_MS = 1_500;

/**
 * Creates the Redis client: no offline queue (a command while disconnected fails at once instead
 * of queueing forever), a per-command timeout, and endless capped reconnects so the API recovers
 * by itself when Redis comes back.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const base = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 1_000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1_000),
    },
  });
  let down = false;
  base.on('error', (err: Error) => {
    if (!down) logger.warn({ err: { message: err.message, name: err.name } }, 'redis unavailable');
    down = true;
  });
  base.on('ready', () => {
    if (down) logger.info('redis connection restored');
    down = false;
  });
  return base.withCommandOptions({ timeout: REDIS_COMMAND_TIMEOUT_MS }) as unknown as Redis;
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
