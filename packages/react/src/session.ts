/**
 * `useSession()`: who is signed in, as NextAuth users know it (`data`, `status`), kept fresh:
 * refetched on window focus, shortly before the access token expires (the BFF refreshes it when
 * `/session` is read) and when the session itself expires.
 * @see https://next-auth.js.org/getting-started/client#usesession
 */
import { REFRESH_ACCESS_TOKEN_ERROR, type SessionResponse, type SessionUser } from '@app/shared-types';
import type { BffClient } from '@app/bff-client';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { useBffClient } from './client-context.js';
import { bffQueryKeys } from './query-keys.js';

/** Ask this long before the access token expires, so the page never shows an expired one. */
export const ACCESS_TOKEN_LEAD_MS = 5_000;
/** When the access token is already past its expiry (its refresh failed), ask no faster than this. */
export const EXPIRED_POLL_MS = 30_000;
const MIN_DELAY_MS = 1_000;

/** Milliseconds until `/session` should be asked again, or false when nothing will expire. */
export function nextSessionRefetch(session: SessionResponse | undefined, now = Date.now()): number | false {
  if (!session?.authenticated) return false;
  if (session.accessTokenExpiresAt * 1000 <= now) return EXPIRED_POLL_MS;
  const due = Math.min(session.accessTokenExpiresAt * 1000 - ACCESS_TOKEN_LEAD_MS, session.sessionExpiresAt * 1000);
  return Math.max(due - now, MIN_DELAY_MS);
}

/** Query options of `GET /session` (for prefetching, `useQuery` or `invalidateQueries`); retries follow the app's QueryClient. */
export function sessionQueryOptions(client: BffClient) {
  return queryOptions({
    queryKey: bffQueryKeys.session,
    queryFn: ({ signal }) => client.getSession({ signal }),
    refetchOnWindowFocus: true,
    refetchInterval: (query) => nextSessionRefetch(query.state.data),
  });
}

/** NextAuth's three states. */
export type SessionStatus = 'loading' | 'authenticated' | 'unauthenticated';

/** A signed-in session as `GET /session` describes it. */
export type SignedInSession = Extract<SessionResponse, { authenticated: true }>;

/** What {@link useSession} returns. */
export interface UseSessionResult {
  /** The `/session` body (`undefined` until the first answer). */
  data: SessionResponse | undefined;
  /** `loading` until the first answer; `unauthenticated` also when `/session` could not be read (see `error`). */
  status: SessionStatus;
  /** The signed-in user, when there is one. */
  user: SessionUser | undefined;
  /**
   * True when the BFF could not refresh the access token for a passing reason (the IdP was
   * unreachable): NextAuth's `session.error === 'RefreshAccessTokenError'`. The session is kept.
   */
  refreshError: boolean;
  /** Why `/session` could not be read (a `BffError`, e.g. `503 session_store_unavailable`), else null. */
  error: Error | null;
  /** True while `/session` is being asked again. */
  isFetching: boolean;
  /** Asks `/session` again (NextAuth's `update()`). */
  refetch: () => Promise<unknown>;
}

/** The current session, kept fresh; uses the app's own QueryClient. */
export function useSession(): UseSessionResult {
  const query = useQuery(sessionQueryOptions(useBffClient()));
  const data = query.data;
  const status: SessionStatus = data ? (data.authenticated ? 'authenticated' : 'unauthenticated') : query.isError ? 'unauthenticated' : 'loading';
  return {
    data,
    status,
    user: data?.authenticated ? data.user : undefined,
    refreshError: data?.authenticated === true && data.error === REFRESH_ACCESS_TOKEN_ERROR,
    error: query.error,
    isFetching: query.isFetching,
    refetch: query.refetch,
  };
}
