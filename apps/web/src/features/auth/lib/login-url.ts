/**
 * Where the Sign in button goes: the BFF's `/auth/login` with the page to come back to.
 */
import { withoutAuthError } from './auth-error';

/** Path of the BFF route that starts the authorization code flow. */
export const LOGIN_PATH = '/auth/login';

/** The `returnTo` for a location: its path and query, minus a stale `authError`. */
export function returnToFor(location: Pick<Location, 'pathname' | 'search'>): string {
  return `${location.pathname}${withoutAuthError(location.search)}`;
}

/** Full login URL for a location, e.g. `/auth/login?returnTo=%2Freports%3Fpage%3D2`. */
export function loginUrlFor(location: Pick<Location, 'pathname' | 'search'>): string {
  return `${LOGIN_PATH}?${new URLSearchParams({ returnTo: returnToFor(location) }).toString()}`;
}
