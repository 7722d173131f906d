import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../tokens/token-record.js';
import { sessionClaims } from './claims.js';

// Issue 19, item 7: which token a session's groups come from (docs/threat-model.md, RT-7).
const jwt = (payload: Record<string, unknown>) => `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
const record = (accessToken: string, idTokenGroups: string[], scope?: string): TokenRecord => ({
  accessToken,
  accessTokenExpiresAt: 0,
  accessTokenLifetime: 3600,
  sessionExpiresAt: 0,
  createdAt: 0,
  ...(scope ? { scope } : {}),
  user: { sub: 'u', groups: idTokenGroups },
});

describe('sessionClaims', () => {
  it("takes the groups and scopes of a JWT access token, not the ID token's", () => {
    const claims = sessionClaims(record(jwt({ token_use: 'access', 'cognito:groups': ['readers'], scope: 'openid a/b' }), ['admins']));
    expect(claims.groups).toEqual(['readers']);
    expect([...claims.scopes]).toEqual(['openid', 'a/b']);
  });

  it('reads a Cognito access token without cognito:groups as no groups: the user left their last group, whatever the older ID token said', () => {
    expect(sessionClaims(record(jwt({ token_use: 'access', scope: 'openid' }), ['admins'])).groups).toEqual([]);
  });

  it("falls back to the latest ID token's groups for an opaque access token, or another IdP's JWT without the claim", () => {
    expect(sessionClaims(record('opaque-token-value', ['admins'], 'openid')).groups).toEqual(['admins']);
    expect(sessionClaims(record(jwt({ scope: 'openid' }), ['readers'])).groups).toEqual(['readers']);
  });
});
