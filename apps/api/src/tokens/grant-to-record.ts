import type { SessionUser } from '@app/shared-types';
import type { GrantedTokens } from '../idp/oidc-client.js';
import { nowSeconds, type TokenRecord } from './token-record.js';

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads the user the contract exposes out of validated ID token claims (Cognito names first). */
export function userFromClaims(claims: Record<string, unknown>): SessionUser {
  const groups = claims['cognito:groups'];
  const verified = claims.email_verified;
  return {
    sub: String(claims.sub),
    username: str(claims['cognito:username']) ?? str(claims.preferred_username) ?? str(claims.username),
    email: str(claims.email),
    // Cognito has sent email_verified as the string "true" in the past
    emailVerified: typeof verified === 'boolean' ? verified : verified === 'true' ? true : verified === 'false' ? false : undefined,
    name: str(claims.name) ?? (str(claims.given_name) && [claims.given_name, claims.family_name].filter(Boolean).join(' ')),
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [],
  };
}

/** Builds the record of a new session from a code grant. */
export function recordFromCodeGrant(tokens: GrantedTokens, sessionTtlSeconds: number, now = nowSeconds()): TokenRecord {
  if (!tokens.claims) throw new Error('code grant without ID token claims');
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    idToken: tokens.idToken,
    ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
    accessTokenExpiresAt: now + tokens.expiresIn,
    accessTokenLifetime: tokens.expiresIn,
    sessionExpiresAt: now + sessionTtlSeconds,
    createdAt: now,
    user: userFromClaims(tokens.claims),
    // when the user last authenticated at the IdP (step-up), and the IdP session (back-channel logout)
    ...(typeof tokens.claims.auth_time === 'number' ? { authTime: tokens.claims.auth_time } : {}),
    ...(str(tokens.claims.sid) ? { idpSid: str(tokens.claims.sid) } : {}),
  };
}

/**
 * Applies a refresh response to a record (a refresh re-authenticates no one: `authTime` and the
 * IdP session `idpSid` stay those of the sign-in): a returned refresh token replaces the old one (rotation),
 * none keeps it (Cognito's default); same for the ID token, the response's `scope`, and the user
 * (a new ID token of the same subject carries their current groups, e.g. after an admin changed them).
 */
export function recordAfterRefresh(previous: TokenRecord, tokens: GrantedTokens, now = nowSeconds()): TokenRecord {
  const user = tokens.claims && String(tokens.claims.sub) === previous.user.sub ? userFromClaims(tokens.claims) : previous.user;
  return {
    ...previous,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken ?? previous.refreshToken,
    idToken: tokens.idToken ?? previous.idToken,
    ...(tokens.scope !== undefined ? { scope: tokens.scope } : {}),
    accessTokenExpiresAt: now + tokens.expiresIn,
    accessTokenLifetime: tokens.expiresIn,
    user,
  };
}
