/**
 * The signed-in user's sessions on every device (`GET /sessions`) and ending them
 * (`DELETE /sessions/{id}`, the BFF revokes each refresh token).
 */
import type { BffClient } from '@app/bff-client';
import type { SessionListResponse } from '@app/shared-types';
import { queryOptions, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useBffClient } from './client-context.js';
import { bffQueryKeys, invalidateSessionOn401 } from './query-keys.js';

/** Query options of `GET /sessions`; a 401 also makes `useSession()` ask again. */
export function sessionsQueryOptions(client: BffClient, queryClient: QueryClient) {
  return queryOptions({
    queryKey: bffQueryKeys.sessions,
    queryFn: async ({ signal }): Promise<SessionListResponse> => {
      try {
        return await client.listSessions({ signal });
      } catch (error) {
        invalidateSessionOn401(queryClient, error);
        throw error;
      }
    },
  });
}

/** The signed-in user's sessions, oldest first, the current one flagged. */
export function useSessions() {
  return useQuery(sessionsQueryOptions(useBffClient(), useQueryClient()));
}

/**
 * Ends one session, or several (`mutate([id1, id2])`, e.g. "every other session"); the list is
 * asked again afterwards, whatever happened, and so is `/session` when the current one ended.
 */
export function useEndSession() {
  const client = useBffClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: [...bffQueryKeys.sessions, 'end'],
    mutationFn: async (ids: string | readonly string[]) => {
      await Promise.all((typeof ids === 'string' ? [ids] : ids).map((id) => client.endSession(id)));
    },
    onError: (error) => invalidateSessionOn401(queryClient, error),
    onSettled: async (_data, _error, ids) => {
      const list = queryClient.getQueryData<SessionListResponse>(bffQueryKeys.sessions);
      const ended = new Set(typeof ids === 'string' ? [ids] : ids);
      if (list?.sessions.some((s) => s.current && ended.has(s.id))) await queryClient.invalidateQueries({ queryKey: bffQueryKeys.session });
      await queryClient.invalidateQueries({ queryKey: bffQueryKeys.sessions });
    },
  });
}
