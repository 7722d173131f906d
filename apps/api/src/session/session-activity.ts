import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Redis } from '../redis/client.js';
import { nowSeconds, type TokenRecord, type VersionedRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import { errorSummary } from '../kernel/logger.js';
import { SESSION_FIELDS } from '../redis/keyspace.js';

/**
 * Lua, one key (the session's token hash, slot `{sid}`): record activity and push the expiry out,
 * unless the session is already gone (a late touch must not resurrect a logout). `v` is left
 * alone, so a touch never races the versioned token writes of ADR 0001.
 */
const TOUCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], '${SESSION_FIELDS.lastSeen}', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** The session's absolute lifetime: `SESSION_TTL_SECONDS`, never beyond the refresh token's life. */
export function absoluteLifetimeSeconds(config: Pick<Config, 'sessionTtlSeconds' | 'refreshTokenTtlSeconds'>): number {
  return Math.min(config.sessionTtlSeconds, config.refreshTokenTtlSeconds);
}

/**
 * Sliding idle timeout without a write per request (docs/adr/0001, addendum). The last activity
 * is the plain field `s` of the token hash, read by the same command as the tokens; only when
 * it is older than {@link SessionActivity.touchIntervalSeconds} does a request fire (and not
 * await) one touch that moves `s` and the key's TTL to `min(now + idle, sessionExpiresAt)`.
 * Between touches the TTL is not moved, so the effective timeout lies between
 * `idle - touchInterval` and `idle`.
 */
export class SessionActivity {
  /** How stale `s` may be before a request records activity: a tenth of the timeout, 1 to 60 s. */
  readonly touchIntervalSeconds: number;
  readonly #touching = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly tokens: TokenStore,
    private readonly documentKey: (sid: string) => string,
    private readonly idleSeconds: number,
    private readonly logger: Logger,
  ) {
    this.touchIntervalSeconds = Math.min(60, Math.max(1, Math.floor(idleSeconds / 10)));
  }

  /** TTL of a session's keys from now: the idle timeout, cut at the absolute expiry. */
  ttlMs(record: Pick<TokenRecord, 'sessionExpiresAt'>, nowMs = Date.now()): number {
    return Math.min(this.idleSeconds * 1000, record.sessionExpiresAt * 1000 - nowMs);
  }

  /** The plain fields and TTL a new session's token hash starts with. */
  initial(record: TokenRecord, userAgent: string): { ttlSeconds: number; plain: Record<string, string> } {
    return {
      ttlSeconds: this.idleSeconds,
      plain: {
        [SESSION_FIELDS.lastSeen]: String(nowSeconds()),
        [SESSION_FIELDS.created]: String(record.createdAt),
        [SESSION_FIELDS.user]: record.user.sub,
        [SESSION_FIELDS.userAgent]: userAgent,
      },
    };
  }

  /**
   * The one rule of a live session, for every reader (a request's lookup, the WebSocket sweep):
   * it exists, is not past its absolute expiry and has not been idle longer than the timeout.
   */
  isLive(current: VersionedRecord | undefined, now = nowSeconds()): current is VersionedRecord {
    return current !== undefined && current.record.sessionExpiresAt > now && !this.isIdle(current, now);
  }

  /** True when the session has been unused longer than the timeout (backstop to the key's TTL). */
  isIdle(current: VersionedRecord, now = nowSeconds()): boolean {
    return current.lastSeen !== undefined && now - current.lastSeen > this.idleSeconds;
  }

  /** Records that the session was used, at most once per interval; never awaited by the request. */
  seen(sid: string, current: VersionedRecord, nowMs = Date.now()): void {
    const now = Math.floor(nowMs / 1000);
    if (current.lastSeen !== undefined && now - current.lastSeen < this.touchIntervalSeconds) return;
    const ttlMs = this.ttlMs(current.record, nowMs);
    if (ttlMs <= 0 || this.#touching.has(sid)) return;
    this.#touching.add(sid);
    // two slots ({sid} and the express-session document): two single-key commands, pipelined
    Promise.all([
      this.redis.eval(TOUCH, { keys: [this.tokens.keys(sid).tokens], arguments: [String(now), String(ttlMs)] }),
      this.redis.pExpire(this.documentKey(sid), ttlMs),
    ])
      .catch((err: unknown) => this.logger.warn({ err: errorSummary(err) }, 'session activity not recorded'))
      .finally(() => this.#touching.delete(sid));
  }
}
