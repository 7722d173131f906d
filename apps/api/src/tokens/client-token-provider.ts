import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ErrorCode } from '@app/shared-types';
import { IdpError, type OidcClient } from '../idp/oidc-client.js';
import { errorSummary } from '../kernel/logger.js';
import { redisSpan, type SpanParent } from '../telemetry/spans.js';
import { isRedisUnavailable, type Redis } from '../redis/client.js';
import { clientTokenKeys as clientTokenKeysOf } from '../redis/keyspace.js';
import type { TokenCipher } from './crypto.js';
import { SingleFlight, type Holding } from './single-flight.js';

/**
 * What {@link ClientTokenProvider.get} answers; the proxy turns an error into a response.
 * - `idp_unavailable`: the IdP could not be reached, timed out or answered 5xx (`503`).
 * - `session_store_unavailable`: Redis is down and no token is held in memory (`503`).
 * - `client_grant_rejected`: the IdP refused the grant (`invalid_client`, `invalid_scope`,
 *   `unauthorized_client`): a configuration error, not a caller's; answer `502` and fix the
 *   M2M client or the route's scopes. `oauthError` says which.
 */
export type ClientTokenResult =
  | { kind: 'token'; token: string; /** Unix ms. */ expiresAt: number }
  | { kind: 'error'; code: Extract<ErrorCode, 'idp_unavailable' | 'session_store_unavailable'> }
  | { kind: 'error'; code: 'client_grant_rejected'; oauthError?: string };

/** Tunables; defaults suit production, tests shorten them. */
export interface ClientTokenOptions {
  /** Fetch a new token when it expires within this many seconds, or half its lifetime if shorter. Default 60. */
  skewSeconds?: number;
  /** Lease time-to-live, renewed while the IdP is slow. Default 5000. */
  leaseMs?: number;
  /** How often a waiter looks at the cache again. Default 25. */
  pollMs?: number;
  /** Longest a waiter waits for another instance's grant. Default 15000 (give it IDP_TIMEOUT_MS + 5 s). */
  maxWaitMs?: number;
  /** Told where each token came from (metrics): process memory, Redis, a new grant, or nowhere. */
  observer?: ClientTokenObserver;
}

/** Where a `client` route's token came from. */
import type { ClientTokenObserver, ClientTokenSource } from '../telemetry/refresh-observer.js';
export type { ClientTokenObserver, ClientTokenSource };

/** What is sealed into Redis: never a bare token. */
const cachedSchema = z.object({
  token: z.string().min(1),
  /** Unix ms. */
  expiresAt: z.number().int(),
  /** Unix ms at which a new token is fetched (the skew rule applied at grant time). */
  refreshAt: z.number().int(),
});
type Cached = z.infer<typeof cachedSchema>;

/** The cache key of a client and scope set: also the AAD its sealed entry is bound to. */
function cacheKeyOf(clientId: string, scopes: readonly string[]): string {
  // sorted and de-duplicated: the same scope set in any order is one token
  return `${clientId} ${[...new Set(scopes)].sort().join(' ')}`;
}

/** Redis keys of one client and scope set (token, lease, failure marker), for operators and tests. */
export function clientTokenKeys(prefix: string, clientId: string, scopes: readonly string[]) {
  return keysOf(prefix, cacheKeyOf(clientId, scopes));
}

/** The hash tag keeps token, lease and marker in one Redis Cluster slot; scopes may hold any character, so it is a digest. */
function keysOf(prefix: string, cacheKey: string) {
  return clientTokenKeysOf(prefix, createHash('sha256').update(cacheKey).digest('base64url').slice(0, 22));
}

/**
 * The BFF's own access tokens from the client_credentials grant, for `client` routes
 * (docs/adr/0004-client-credentials-cache.md). One token per M2M client and scope set, sealed in
 * Redis with the {@link TokenCipher} (bound to its cache key) for the token's lifetime and kept in
 * process memory until its refresh point. A new token is fetched once at a time across every
 * instance, a {@link SingleFlight} per cache key (as ADR 0002 does for user refreshes): concurrent
 * callers in one process share one promise, and across processes the holder of a `SET NX PX` lease
 * asks the IdP while the others poll the cache. A holder that dies stops renewing its lease; it
 * lapses and a waiter takes over.
 */
export class ClientTokenProvider {
  readonly #memory = new Map<string, Cached>();
  readonly #keyOf = new WeakMap<readonly string[], string>();
  readonly #flight: SingleFlight<ClientTokenResult>;
  readonly #skewMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly cipher: TokenCipher,
    private readonly oidc: Pick<OidcClient, 'clientCredentialsGrant'>,
    /** The deployment's key prefix (`REDIS_KEY_PREFIX`). */
    private readonly prefix: string,
    /** Cache entries are per client: changing `COGNITO_M2M_CLIENT_ID` never serves the old client's token. */
    private readonly clientId: string,
    private readonly logger: Logger,
    private readonly options: ClientTokenOptions = {},
  ) {
    this.#skewMs = (options.skewSeconds ?? 60) * 1000;
    // a renewed lease, not a replica-confirmed fence: a token fetched twice after a failover costs one grant, spends nothing
    this.#flight = new SingleFlight(redis, {
      keysOf: (cacheKey) => keysOf(prefix, cacheKey),
      leaseMs: options.leaseMs ?? 5_000,
      onRenewError: (err) => this.logger.warn({ err: errorSummary(err) }, 'client token lease renewal failed'),
      pollMs: options.pollMs ?? 25,
      maxWaitMs: options.maxWaitMs ?? 15_000,
    });
  }

  /**
   * A valid access token for `scopes` (order and duplicates do not matter), fetched only when the
   * cached one is due. `parent` (the request's trace) gets the Redis and grant spans of a fetch
   * this call starts; callers that join one already running add none.
   */
  get(scopes: readonly string[], parent?: SpanParent): Promise<ClientTokenResult> {
    let cacheKey = this.#keyOf.get(scopes); // routes' scope arrays are frozen and long-lived: normalised once each
    if (cacheKey === undefined) {
      cacheKey = cacheKeyOf(this.clientId, scopes);
      this.#keyOf.set(scopes, cacheKey);
    }
    const held = this.#memory.get(cacheKey);
    if (held && Date.now() < held.refreshAt) {
      this.options.observer?.clientToken('memory');
      return Promise.resolve({ kind: 'token', token: held.token, expiresAt: held.expiresAt });
    }
    const scopeSet = [...new Set(scopes)].sort();
    return this.#flight.share(cacheKey, () => this.#obtain(cacheKey, scopeSet, parent));
  }

  async #obtain(cacheKey: string, scopes: string[], parent: SpanParent | undefined): Promise<ClientTokenResult> {
    const result = await this.#obtainFrom(cacheKey, scopes, parent);
    if (result.kind === 'error') this.options.observer?.clientToken('failed');
    return result;
  }

  /** From Redis, else under the lease from the IdP, else from the instance that holds the lease. */
  async #obtainFrom(cacheKey: string, scopes: string[], parent: SpanParent | undefined): Promise<ClientTokenResult> {
    const tokenKey = keysOf(this.prefix, cacheKey).token;
    let seen: Cached | undefined; // due for a new one, but maybe still valid: better than an error
    const look = async (): Promise<ClientTokenResult | undefined> => {
      const cached = await redisSpan(parent, 'GET', () => this.#read(tokenKey, cacheKey));
      if (cached && Date.now() < cached.refreshAt) return this.#remember(cacheKey, cached, 'redis');
      seen = cached ?? seen;
      return undefined;
    };
    const started = Date.now();
    try {
      return (
        (await look()) ??
        (await this.#flight.run(
          cacheKey,
          {
            hold: (holding) => this.#grantHolding(cacheKey, scopes, tokenKey, seen, holding, parent),
            look,
            giveUp: () => this.#stillValid(cacheKey, seen) ?? { kind: 'error', code: 'idp_unavailable' },
          },
          parent,
          started,
        ))
      );
    } catch (err) {
      if (!isRedisUnavailable(err)) throw err;
      // Redis is down: a token this process still holds is good until it expires
      return this.#stillValid(cacheKey, seen) ?? { kind: 'error', code: 'session_store_unavailable' };
    }
  }

  /** Under the lease: look once more (another instance may have just written), else ask the IdP and cache the answer. */
  async #grantHolding(cacheKey: string, scopes: string[], tokenKey: string, seen: Cached | undefined, holding: Holding, parent: SpanParent | undefined): Promise<ClientTokenResult> {
    const cached = await redisSpan(parent, 'GET', () => this.#read(tokenKey, cacheKey));
    if (cached && Date.now() < cached.refreshAt) return this.#remember(cacheKey, cached, 'redis');
    seen = cached ?? seen;

    const t0 = Date.now();
    let granted;
    try {
      granted = await this.oidc.clientCredentialsGrant(scopes, parent);
    } catch (err) {
      const idpError = err instanceof IdpError ? err : undefined;
      const rejected = idpError !== undefined && idpError.kind !== 'unavailable';
      const line = { event: 'client_token', outcome: rejected ? 'rejected' : 'idp_unavailable', scopes, durationMs: Date.now() - t0, err: errorSummary(err) };
      if (rejected) this.logger.error(line, 'client_credentials grant rejected: check the M2M client and the route scopes');
      else this.logger.warn(line, 'client_credentials grant failed');
      await holding.markFailed();
      if (rejected) return { kind: 'error', code: 'client_grant_rejected', ...(idpError.oauthError ? { oauthError: idpError.oauthError } : {}) };
      return this.#stillValid(cacheKey, seen) ?? { kind: 'error', code: 'idp_unavailable' };
    }

    const now = Date.now();
    const lifetimeMs = granted.expiresIn * 1000;
    const entry: Cached = {
      token: granted.accessToken,
      expiresAt: now + lifetimeMs,
      refreshAt: now + lifetimeMs - Math.min(this.#skewMs, Math.floor(lifetimeMs / 2)),
    };
    const sealed = this.cipher.seal(JSON.stringify(entry), cacheKey);
    await redisSpan(parent, 'SET', () => this.redis.set(tokenKey, sealed, { PX: Math.max(1, lifetimeMs) }));
    this.logger.info({ event: 'client_token', outcome: 'granted', scopes, durationMs: now - t0, expiresIn: granted.expiresIn }, 'client_credentials token fetched');
    return this.#remember(cacheKey, entry, 'granted');
  }

  /** Reads and opens the sealed entry; one that does not open (tampered, other secret, other key) counts as none. */
  async #read(key: string, cacheKey: string): Promise<Cached | undefined> {
    const sealed = await this.redis.get(key);
    if (!sealed) return undefined;
    try {
      const parsed = cachedSchema.safeParse(JSON.parse(this.cipher.open(sealed, cacheKey)));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined;
    }
  }

  #remember(cacheKey: string, entry: Cached, source: ClientTokenSource): ClientTokenResult {
    this.options.observer?.clientToken(source);
    this.#memory.set(cacheKey, entry);
    return { kind: 'token', token: entry.token, expiresAt: entry.expiresAt };
  }

  /**
   * The newest token known (in memory or last read from Redis) when it has more than a second
   * left: past its refresh point is fine while the IdP is down, an expired token never is.
   */
  #stillValid(cacheKey: string, seen: Cached | undefined): ClientTokenResult | undefined {
    const held = [this.#memory.get(cacheKey), seen].filter((c): c is Cached => c !== undefined).sort((a, b) => b.expiresAt - a.expiresAt)[0];
    if (!held || Date.now() >= held.expiresAt - 1_000) return undefined;
    return { kind: 'token', token: held.token, expiresAt: held.expiresAt };
  }
}
