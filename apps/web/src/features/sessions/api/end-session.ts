/**
 * `DELETE /sessions/:id`: ends one of the user's sessions (the BFF revokes its refresh token),
 * and "end all other sessions" as one DELETE per other session.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ApiError } from '../../../lib/api-client';
import { request } from '../../../lib/api-client';
import { sessionsQueryKey } from './get-sessions';

/** Ends the session with this handle. */
export async function endSession(id: string): Promise<void> {
  await request(`/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Ends several sessions; resolves once all are ended, rejects with the first failure. */
export async function endSessions(ids: readonly string[]): Promise<void> {
  await Promise.all(ids.map(endSession));
}

/** Ends one session; the list refetches afterwards, whatever happened. */
export function useEndSession() {
  const queryClient = useQueryClient();
  return useMutation<void, ApiError, string>({
    mutationKey: ['sessions', 'end'],
    mutationFn: endSession,
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsQueryKey }),
  });
}

/** Ends every session but this one; the list refetches afterwards. */
export function useEndOtherSessions() {
  const queryClient = useQueryClient();
  return useMutation<void, ApiError, readonly string[]>({
    mutationKey: ['sessions', 'end-others'],
    mutationFn: endSessions,
    onSettled: () => queryClient.invalidateQueries({ queryKey: sessionsQueryKey }),
  });
}
