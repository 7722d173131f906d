import type { ApiRoute } from '@app/shared-types';
import type { TokenRecord } from '../tokens/token-record.js';
import { sessionClaims, type CallerClaims } from './claims.js';

// The route policy alone (groups, scopes), with no request, Redis or IdP: what the access module
// decides on, and what open WebSockets are checked against again (deps.ts, after each refresh).

/**
 * Why the route's `groups` or `scopes` refuse this session as its record is now, or `undefined`
 * when they allow it: what an open WebSocket is checked against after each refresh.
 */
export function sessionRefusal(route: ApiRoute, record: TokenRecord): string | undefined {
  return policyRefusal(route, sessionClaims(record));
}

/** Why the route's `groups` or `scopes` refuse these claims, or `undefined` when they allow them. */
export function policyRefusal(route: ApiRoute, claims: CallerClaims): string | undefined {
  if (route.groups && !route.groups.some((g) => claims.groups.includes(g))) return `This route needs membership in one of: ${route.groups.join(', ')}.`;
  // on `client` routes the scopes are what the BFF asks for, not a requirement on the user
  if (route.token !== 'client' && route.scopes) {
    const missing = route.scopes.filter((s) => !claims.scopes.has(s));
    if (missing.length) return `The access token lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`;
  }
  return undefined;
}

