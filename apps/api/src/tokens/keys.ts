/**
 * Redis key layout (see docs/adr/0001-token-layout-in-redis.md). Keys of one session share the
 * hash tag `{sid}` so that a script touching the token record and the refresh lease runs in one
 * slot of a Redis Cluster.
 */
export interface SessionKeys {
  /** Hash `{ v: version, d: sealed token record, t: seal tag of d }` and plain activity fields (ADR 0001). */
  tokens: string;
  /** String lease held by the instance that is refreshing; value = holder token. */
  lease: string;
  /** Unix ms of the last failed refresh, so waiters do not retry a refresh that just failed. */
  refreshFailed: string;
}

/** The key of a session's token hash alone (the hot path reads only this one). */
export function tokensKey(prefix: string, sid: string): string {
  return `${prefix}{${sid}}:tokens`;
}

/** Builds the key names of one session under the deployment's prefix. */
export function sessionKeys(prefix: string, sid: string): SessionKeys {
  const base = `${prefix}{${sid}}`;
  return { tokens: `${base}:tokens`, lease: `${base}:lease`, refreshFailed: `${base}:refresh-failed` };
}
