/**
 * `GET /session`: who is signed in, until when. The BFF refreshes the access token before it
 * answers when it is about to expire, so refetching shortly before expiry keeps it fresh.
 * @see ../../../../../../shared/docs/contract.md (SessionResponse)
 */
import type { SessionResponse, SessionUser } from '@app/shared-types';
import { REFRESH_ACCESS_TOKEN_ERROR } from '@app/shared-types';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';
import { sessionQueryKey } from '../../../lib/query-client';

/** Refetch this long before the access token expires. */
export const REFETCH_BEFORE_EXPIRY_MS = 5_000;
/** When the expiry is already past (e.g. a refresh failed), poll no faster than this. */
const PAST_EXPIRY_POLL_MS = 30_000;
const MIN_DELAY_MS = 1_000;

type SignedInSession = Extract<SessionResponse, { authenticated: true }>;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function parseUser(value: unknown): SessionUser {
  if (typeof value !== 'object' || value === null) throw new TypeError('user is missing');
  const user = value as Record<string, unknown>;
  if (typeof user.sub !== 'string' || !isStringArray(user.groups)) throw new TypeError('user.sub or user.groups is invalid');
  const parsed: SessionUser = { sub: user.sub, groups: user.groups };
  const username = optionalString(user.username);
  const email = optionalString(user.email);
  const name = optionalString(user.name);
  if (username !== undefined) parsed.username = username;
  if (email !== undefined) parsed.email = email;
  if (name !== undefined) parsed.name = name;
  if (typeof user.emailVerified === 'boolean') parsed.emailVerified = user.emailVerified;
  return parsed;
}

/** Checks the shape of a `/session` body; throws on anything else. */
export function parseSessionResponse(body: unknown): SessionResponse {
  if (typeof body !== 'object' || body === null) throw new TypeError('session body is not an object');
  const session = body as Record<string, unknown>;
  if (session.authenticated === false) return { authenticated: false };
  if (session.authenticated !== true) throw new TypeError('authenticated is not a boolean');
  if (typeof session.accessTokenExpiresAt !== 'number' || typeof session.sessionExpiresAt !== 'number') {
    throw new TypeError('expiry times are missing');
  }
  const parsed: SignedInSession = {
    authenticated: true,
    user: parseUser(session.user),
    accessTokenExpiresAt: session.accessTokenExpiresAt,
    sessionExpiresAt: session.sessionExpiresAt,
  };
  if (session.error === REFRESH_ACCESS_TOKEN_ERROR) parsed.error = REFRESH_ACCESS_TOKEN_ERROR;
  return parsed;
}

/** Fetches the current session, signed in or not. */
export function getSession({ signal }: { signal?: AbortSignal } = {}): Promise<SessionResponse> {
  return getJson('/session', parseSessionResponse, signal ? { signal } : {});
}

/** Milliseconds until the next refetch: shortly before the access token expires. */
export function nextRefetchDelay(session: SessionResponse | undefined, now = Date.now()): number | false {
  if (!session?.authenticated) return false;
  const delay = session.accessTokenExpiresAt * 1000 - REFETCH_BEFORE_EXPIRY_MS - now;
  return delay < MIN_DELAY_MS ? PAST_EXPIRY_POLL_MS : delay;
}

/** Query options of `GET /session`, shared by the hook, prefetching and invalidation. */
export function sessionQueryOptions() {
  return queryOptions({
    queryKey: sessionQueryKey,
    queryFn: ({ signal }) => getSession({ signal }),
    refetchOnWindowFocus: true,
    refetchInterval: (query) => nextRefetchDelay(query.state.data),
  });
}

/** The current session, kept fresh on focus and before the access token expires. */
export function useSession() {
  return useQuery(sessionQueryOptions());
}
