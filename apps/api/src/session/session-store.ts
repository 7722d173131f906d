import { RedisStore } from 'connect-redis';
import { LOGIN_TRANSACTION_TTL_MS } from './login-transaction.js';
import type { Redis } from '../redis/client.js';
import { sessionDocumentPrefix } from '../redis/keyspace.js';

/** Longest life of a document without a signed-in user: only pending sign-ins live there. */
const PRE_LOGIN_TTL_SECONDS = LOGIN_TRANSACTION_TTL_MS / 1000;

/**
 * Creates the connect-redis store express-session keeps its (small) session documents in. A
 * signed-in document lives as long as the session's idle timeout allows (and sliding activity
 * extends it, see session-activity.ts); a pre-login one as long as its cookie, and never longer
 * than a sign-in attempt (10 minutes), so anonymous `/auth/login` calls cannot pile up in Redis.
 */
export function createSessionStore(redis: Redis, prefix: string, ttlSeconds: number, idleSeconds = ttlSeconds): RedisStore {
  const ttl = (sess: { cookie?: { expires?: Date | string | null }; user?: unknown }) => {
    const expires = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : undefined;
    const remaining = expires === undefined ? ttlSeconds : Math.ceil((expires - Date.now()) / 1000);
    return Math.min(sess.user ? idleSeconds : PRE_LOGIN_TTL_SECONDS, remaining);
  };
  return new RedisStore({ client: redis, prefix: sessionDocumentPrefix(prefix), ttl });
}

/** Prefix of the express-session documents' keys (`<prefix>sess:<sid>`). */
export { sessionDocumentPrefix } from '../redis/keyspace.js';
