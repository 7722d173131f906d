/**
 * Calls to `/api/*` from a React app: the BFF client's `apiFetch` (same-origin cookie,
 * `X-CSRF: 1`, problem+json as a typed `BffError`) tied to the app's own QueryClient, so a `401`
 * anywhere makes `useSession()` ask again.
 */
import type { BffClient } from '@app/bff-client';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { defaultBffClient, useBffClient } from './client-context.js';
import { invalidateSessionOn401 } from './query-keys.js';

/** `/api/*` for components and query functions. */
export interface ApiClient {
  /** The 2xx response, or a rejected `BffError` (`step_up_required` carries `loginUrl`). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The 2xx JSON body, checked by `parse` when given (e.g. a zod schema's `parse`). */
  json<T = unknown>(path: string, init?: RequestInit, parse?: (body: unknown) => T): Promise<T>;
}

/** An {@link ApiClient} that invalidates `queryClient`'s session query on a `401`. */
export function createApiClient(options: { queryClient: QueryClient; client?: BffClient }): ApiClient {
  const { queryClient, client = defaultBffClient() } = options;
  const fetchApi = async (path: string, init?: RequestInit) => {
    try {
      return await client.apiFetch(path, init);
    } catch (error) {
      invalidateSessionOn401(queryClient, error);
      throw error;
    }
  };
  return {
    fetch: fetchApi,
    async json<T>(path: string, init?: RequestInit, parse?: (body: unknown) => T): Promise<T> {
      const response = await fetchApi(path, init);
      const body: unknown = await response.json();
      return parse ? parse(body) : (body as T);
    },
  };
}

/**
 * One call to `/api/*` outside a component (a loader, a query function): `createApiClient`'s
 * `fetch` for `queryClient`, so a `401` still makes `useSession()` ask again.
 */
export function apiFetch(path: string, init: RequestInit | undefined, options: { queryClient: QueryClient; client?: BffClient }): Promise<Response> {
  return createApiClient(options).fetch(path, init);
}

/** The {@link ApiClient} of this app's QueryClient and BFF client. */
export function useApiClient(): ApiClient {
  const queryClient = useQueryClient();
  const client = useBffClient();
  return useMemo(() => createApiClient({ queryClient, client }), [queryClient, client]);
}

