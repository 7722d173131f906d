/**
 * Query keys of the package, all under `['bff']` so an app can tell them apart from its own, and
 * what a `401` from the BFF means for them.
 */
import { isBffError } from '@app/bff-client';
import type { QueryClient } from '@tanstack/react-query';

/** Keys of the BFF's queries. */
export const bffQueryKeys = {
  all: ['bff'] as const,
  session: ['bff', 'session'] as const,
  sessions: ['bff', 'sessions'] as const,
};

/**
 * After a failed call: a `401` means the session may be gone (ended elsewhere, refresh token
 * rejected), so `GET /session` is asked again and the app falls back to signed out. A
 * `step_up_required` is not a sign-out: the session is fine, only too old for that route.
 */
export function invalidateSessionOn401(queryClient: QueryClient, error: unknown): void {
  if (!isBffError(error, 401) || error.code === 'step_up_required') return;
  // several layers may report the same 401 (the call, the app's QueryCache): one refetch serves them all
  void queryClient.invalidateQueries({ queryKey: bffQueryKeys.session }, { cancelRefetch: false });
}
