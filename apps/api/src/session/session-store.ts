import { RedisStore } from 'connect-redis';
import type { Redis } from '../redis/client.js';
import type { TokenStore } from '../tokens/token-store.js';

/** Creates the connect-redis store express-session keeps its (small) session documents in. */
export function createSessionStore(redis: Redis, prefix: string, ttlSeconds: number): RedisStore {
  return new RedisStore({ client: redis, prefix: `${prefix}sess:`, ttl: ttlSeconds });
}

/**
 * Ends a session everywhere it lives: the sealed tokens (with lease and failure marker) and the
 * express-session document. Used by logout and when a refresh token is rejected.
 */
export function sessionTerminator(tokens: TokenStore, sessions: RedisStore) {
  return async (sid: string): Promise<void> => {
    await Promise.all([
      tokens.delete(sid),
      new Promise<void>((resolve, reject) => sessions.destroy(sid, (err?: unknown) => (err ? reject(err) : resolve()))),
    ]);
  };
}
