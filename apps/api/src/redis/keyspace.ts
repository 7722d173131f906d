/**
 * Every Redis key and pub/sub channel the BFF uses, in one place (docs/adr/0001-token-layout-in-redis.md).
 * Each starts with the deployment's `REDIS_KEY_PREFIX`; a `{…}` hash tag keeps the keys one script
 * touches in one Redis Cluster slot. Modules name keys through these functions and never spell one.
 */

/** The keys of one session: its token hash, its refresh lease and the marker of a failed refresh; tag `{sid}`. */
export interface SessionKeys {
  /** Hash of the {@link SESSION_FIELDS}: version, sealed record, its seal tag and plain activity fields (ADR 0001). */
  tokens: string;
  /** String lease held by the instance that is refreshing; value = holder token. */
  lease: string;
  /** Unix ms of the last failed refresh, so waiters do not retry a refresh that just failed. */
  refreshFailed: string;
}

/**
 * The fields of a session's token hash (ADR 0001). The token store alone writes the first three;
 * the rest are plain metadata for activity and the sessions list, never a token.
 */
export const SESSION_FIELDS = {
  /** Version of the record: each versioned write compares and bumps it. */
  version: 'v',
  /** The sealed token record. */
  sealed: 'd',
  /** The seal tag of `d` (its first characters): the hot path compares it instead of reading `d`. */
  sealTag: 't',
  /** Unix seconds of the last activity (the idle timeout). */
  lastSeen: 's',
  /** Unix seconds the session was created. */
  created: 'c',
  /** The user's `sub`. */
  user: 'u',
  /** The sanitised `User-Agent` it was signed in from. */
  userAgent: 'ua',
} as const;

/** The keys of one session. */
export function sessionKeys(prefix: string, sid: string): SessionKeys {
  const base = `${prefix}{${sid}}`;
  return { tokens: `${base}:tokens`, lease: `${base}:lease`, refreshFailed: `${base}:refresh-failed` };
}

/** The key of a session's token hash alone (the hot path reads only this one). */
export function tokensKey(prefix: string, sid: string): string {
  return `${prefix}{${sid}}:tokens`;
}

/** Prefix of express-session's documents (pending sign-ins and the cookie's session), `<prefix>sess:<sid>`. */
export function sessionDocumentPrefix(prefix: string): string {
  return `${prefix}sess:`;
}

/** A user's session index (sorted set: session ids by absolute expiry); tag `{sub}`. */
export function userSessionsKey(prefix: string, sub: string): string {
  return `${prefix}user:{${sub}}:sessions`;
}

/** The sessions signed in through one IdP session (an ID token's `sid`), for back-channel logout; tag `{sid}`. */
export function idpSessionKey(prefix: string, idpSid: string): string {
  return `${prefix}idp-session:{${idpSid}}:sessions`;
}

/** A back-channel logout token's spent `jti` (already hashed by the caller: no `{`/`}` can reach the key). */
export function logoutJtiKey(prefix: string, jtiDigest: string): string {
  return `${prefix}logout-jti:${jtiDigest}`;
}

/** The deployment-wide count of live sessions (sorted set: session ids by expiry). */
export function activeSessionsKey(prefix: string): string {
  return `${prefix}active-sessions`;
}

/** A client's request counter on one route (fixed window); tag `{client}`. */
export function rateLimitKey(prefix: string, client: string, route: string): string {
  return `${prefix}rl:{${client}}:${route}`;
}

/** The keys of one cached `client_credentials` token (token, lease, failure marker); tag = a digest of client and scopes. */
export function clientTokenKeys(prefix: string, tag: string): { token: string; lease: string; failed: string } {
  const base = `${prefix}client-token:{${tag}}`;
  return { token: base, lease: `${base}:lease`, failed: `${base}:failed` };
}

/** Pub/sub channels: a session ended (every instance closes its sockets), a session was refreshed (each re-checks its sockets' routes). */
export function sessionChannels(prefix: string): { ended: string; refreshed: string } {
  return { ended: `${prefix}session-ended`, refreshed: `${prefix}session-refreshed` };
}
