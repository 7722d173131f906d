/**
 * The app's QueryClient: one place that decides what is retried and what a 401 means.
 */
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import type { Query } from '@tanstack/react-query';
import { isApiError } from './api-client';

/** Key of `GET /session`; owned here because every 401 anywhere invalidates it. */
export const sessionQueryKey = ['session'] as const;

const MAX_RETRIES = 3;
const TRANSIENT_STATUSES = new Set([0, 502, 503]); // 0 = no response (network error)

/** Retry only what may pass by itself: network errors, 502 and 503; never another 4xx/5xx. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < MAX_RETRIES && isApiError(error) && TRANSIENT_STATUSES.has(error.status);
}

/** Exponential backoff: 1 s, 2 s, 4 s …, capped at 10 s. */
export function retryDelay(attemptIndex: number): number {
  return Math.min(1000 * 2 ** attemptIndex, 10_000);
}

function isSessionQuery(query: Query<unknown, unknown, unknown, readonly unknown[]>): boolean {
  return query.queryKey[0] === sessionQueryKey[0];
}

/**
 * Creates the QueryClient. Any 401 (session gone, token rejected) makes the session query
 * refetch, so the app falls back to the signed-out view. `retry: false` is for tests.
 */
export function createQueryClient(options: { retry?: false } = {}): QueryClient {
  // Declared before use inside the caches' callbacks, which only run after construction.
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        // /session answers 200 when signed out; a 401 from it must not make it refetch itself.
        if (isApiError(error, 401) && !isSessionQuery(query)) void client.invalidateQueries({ queryKey: sessionQueryKey });
      },
    }),
    mutationCache: new MutationCache({
      onError: (error) => {
        if (isApiError(error, 401)) void client.invalidateQueries({ queryKey: sessionQueryKey });
      },
    }),
    defaultOptions: {
      queries: {
        retry: options.retry ?? shouldRetry,
        retryDelay,
        refetchOnWindowFocus: true,
      },
      mutations: { retry: false },
    },
  });
  return client;
}
