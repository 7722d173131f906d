import type { JWTPayload } from 'jose';
import type { TokenRecord } from '../tokens/token-record.js';

/** What route policies look at: the caller's groups and their access token's scopes. */
export interface CallerClaims {
  groups: readonly string[];
  scopes: ReadonlySet<string>;
}

const byRecord = new WeakMap<TokenRecord, CallerClaims>();

/**
 * Claims of a cookie session, from the tokens in the session as they are now (so a refresh that
 * brings new groups or scopes takes effect at once): `cognito:groups` and `scope` of the access
 * token when it is a JWT (Cognito's are; it came straight from the token endpoint, so it is read,
 * not verified); for an opaque access token, the groups of the ID token and the token response's
 * `scope`. Computed once per record version (records are cached objects, see token-store.ts).
 */
export function sessionClaims(record: TokenRecord): CallerClaims {
  let claims = byRecord.get(record);
  if (!claims) {
    const payload = jwtPayload(record.accessToken);
    const groups = stringArray(payload?.['cognito:groups']) ?? record.user.groups;
    const scope = typeof payload?.scope === 'string' ? payload.scope : (record.scope ?? '');
    claims = { groups, scopes: scopeSet(scope) };
    byRecord.set(record, claims);
  }
  return claims;
}

/** Claims of a verified bearer access token. */
export function bearerClaims(payload: JWTPayload): CallerClaims {
  return { groups: stringArray(payload['cognito:groups']) ?? [], scopes: scopeSet(typeof payload.scope === 'string' ? payload.scope : '') };
}

function jwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function scopeSet(scope: string): ReadonlySet<string> {
  return new Set(scope.split(' ').filter(Boolean));
}
