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
 * not verified). Cognito leaves `cognito:groups` out of the access token of a user in no group:
 * such a token means no groups, never the (older) ID token's. For an opaque access token, or a
 * JWT of another IdP without the claim, the groups of the latest ID token and the token
 * response's `scope` (an IdP that issues no new ID token on refresh keeps the sign-in's groups:
 * docs/threat-model.md). Computed once per record version (records are cached objects, see token-store.ts).
 */
export function sessionClaims(record: TokenRecord): CallerClaims {
  let claims = byRecord.get(record);
  if (!claims) {
    const payload = jwtPayload(record.accessToken);
    const groups = stringArray(payload?.['cognito:groups']) ?? (isCognitoAccessToken(payload) ? [] : record.user.groups);
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

/** A Cognito access token says so (`token_use: access`); other IdPs' JWT access tokens do not carry the claim. */
function isCognitoAccessToken(payload: Record<string, unknown> | undefined): boolean {
  return payload?.token_use === 'access';
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
