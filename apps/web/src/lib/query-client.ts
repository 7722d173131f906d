/**
 * The app's QueryClient: what is retried, and what a 401 means for queries the app adds itself
 * (@app/react's own hooks already make `useSession()` ask again on a 401).
 */
import { invalidateSessionOn401, isBffError } from '@app/react';
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';

const MAX_RETRIES = 3;
const TRANSIENT_STATUSES = new Set([0, 502, 503]); // 0 = no response (network error)

/** Retry only what may pass by itself: network errors, 502 and 503; never another 4xx/5xx. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < MAX_RETRIES && isBffError(error) && TRANSIENT_STATUSES.has(error.status);
}

/** Exponential backoff: 1 s, 2 s, 4 s …, capped at 10 s. */
export function retryDelay(attemptIndex: number): number {
  return Math.min(1000 * 2 ** attemptIndex, 10_000);
}

/**
 * Creates the QueryClient. Any 401 of a query or mutation (session gone, token rejected) makes
 * the session query refetch, so the app falls back to the signed-out view. `retry: false` is for tests.
 */
export function createQueryClient(options: { retry?: false } = {}): QueryClient {
  // Declared before use inside the caches' callbacks, which only run after construction.
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => invalidateSessionOn401(client, error) }),
    mutationCache: new MutationCache({ onError: (error) => invalidateSessionOn401(client, error) }),
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
