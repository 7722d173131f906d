/**
 * `GET /sessions`: the signed-in user's sessions on every device, the current one flagged.
 * Each `id` is an opaque handle for `DELETE /sessions/:id`, never a session id.
 */
import type { SessionInfo, SessionListResponse } from '@app/shared-types';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { getJson } from '../../../lib/api-client';

/** Key of the session list; every mutation that ends a session invalidates it. */
export const sessionsQueryKey = ['sessions'] as const;

function parseSessionInfo(value: unknown): SessionInfo {
  if (typeof value !== 'object' || value === null) throw new TypeError('session is not an object');
  const s = value as Record<string, unknown>;
  if (typeof s.id !== 'string' || typeof s.createdAt !== 'number' || typeof s.lastSeenAt !== 'number' || typeof s.current !== 'boolean') {
    throw new TypeError('session fields are missing');
  }
  return { id: s.id, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, userAgent: typeof s.userAgent === 'string' ? s.userAgent : '', current: s.current };
}

/** Checks the shape of a `/sessions` body; throws on anything else. */
export function parseSessionList(body: unknown): SessionListResponse {
  const sessions = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).sessions : undefined;
  if (!Array.isArray(sessions)) throw new TypeError('sessions is not an array');
  return { sessions: sessions.map(parseSessionInfo) };
}

/** Fetches the signed-in user's sessions. */
export function getSessions({ signal }: { signal?: AbortSignal } = {}): Promise<SessionListResponse> {
  return getJson('/sessions', parseSessionList, signal ? { signal } : {});
}

/** Query options of `GET /sessions`. */
export function sessionsQueryOptions() {
  return queryOptions({ queryKey: sessionsQueryKey, queryFn: ({ signal }) => getSessions({ signal }) });
}

/** The signed-in user's sessions. */
export function useSessions() {
  return useQuery(sessionsQueryOptions());
}
