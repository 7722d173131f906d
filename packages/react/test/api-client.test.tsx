// The /api/* client against a real BFF: the cookie and X-CSRF, problem+json as a typed error,
// what a 401 does to useSession(), and step_up_required's loginUrl from a route of the BFF's
// table that wants a sign-in at most 1 s old.
import { waitFor } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@app/bff-testing';
import { apiFetch, BffError, useApiClient, useSession } from '@app/react';
import { page } from './render.js';

let stack: Stack;

beforeAll(async () => {
  // /api/payments goes to the same demo upstream, but only with a sign-in at most 1 s old
  stack = await startStack({ extraRoutes: [{ prefix: '/api/payments', upstream: 'demo', maxAuthAgeSeconds: 1 }] });
});
afterAll(async () => {
  await stack?.stop();
});

function useBoth() {
  return { session: useSession(), api: useApiClient() };
}

async function rejection(promise: Promise<unknown>): Promise<BffError> {
  const error = await promise.then(() => new Error('expected a failure'), (e: unknown) => e);
  expect(error).toBeInstanceOf(BffError);
  return error as BffError;
}

describe('useApiClient', () => {
  it('calls /api/* with the session cookie and X-CSRF: 1, and the upstream sees the user', async () => {
    const { renderHook, requestsTo } = page(stack, await stack.signIn('alice'));
    const { result } = renderHook(useBoth);
    const echo = await result.current.api.json<{ claims: { username: string } }>('/api/hello');
    expect(echo.claims.username).toBe('alice');
    const [call] = requestsTo('/api/hello');
    expect(call?.headers.get('x-csrf')).toBe('1');
    expect(call?.credentials).toBe('same-origin');
  });

  it('on a 401 makes useSession() ask again, which then says unauthenticated', async () => {
    const jar = await stack.signIn('bob');
    const { renderHook, client, requestsTo } = page(stack, jar);
    const { result } = renderHook(useBoth);
    await waitFor(() => expect(result.current.session.status).toBe('authenticated'));
    await client.logout(); // the session ends elsewhere (another tab), the page does not know yet
    const sessionReads = requestsTo('/session').length;

    const error = await rejection(result.current.api.fetch('/api/hello'));

    expect(error).toMatchObject({ code: 'unauthenticated', status: 401 });
    await waitFor(() => expect(result.current.session.status).toBe('unauthenticated'));
    expect(requestsTo('/session').length).toBe(sessionReads + 1);
  });

  it('apiFetch outside components does the same with the QueryClient it is given', async () => {
    const jar = await stack.signIn('bob');
    const { renderHook, client, queryClient } = page(stack, jar);
    const { result } = renderHook(() => useSession());
    await waitFor(() => expect(result.current.status).toBe('authenticated'));
    const ok = await apiFetch('/api/hello', undefined, { queryClient, client });
    expect(await ok.json()).toMatchObject({ claims: { username: 'bob' } });
    await client.logout();

    await expect(apiFetch('/api/hello', undefined, { queryClient, client })).rejects.toMatchObject({ code: 'unauthenticated' });
    await waitFor(() => expect(result.current.status).toBe('unauthenticated'));
  });

  it('exposes step_up_required’s loginUrl and keeps the session (a step-up is not a sign-out)', async () => {
    const { renderHook, requestsTo } = page(stack, await stack.signIn('alice'));
    const { result } = renderHook(useBoth);
    await waitFor(() => expect(result.current.session.status).toBe('authenticated'));
    await new Promise((r) => setTimeout(r, 2_100)); // the sign-in is now older than the route allows
    const sessionReads = requestsTo('/session').length;

    const error = await rejection(result.current.api.fetch('/api/payments/1', { method: 'POST', body: '{}' }));

    expect(error).toMatchObject({ code: 'step_up_required', status: 401 });
    const loginUrl = new URL(error.loginUrl!, stack.url);
    expect(loginUrl.pathname).toBe('/auth/login');
    expect(loginUrl.searchParams.get('prompt')).toBe('login');
    expect(loginUrl.searchParams.get('max_age')).toBe('1');
    await new Promise((r) => setTimeout(r, 300));
    expect(requestsTo('/session').length).toBe(sessionReads);
    expect(result.current.session.status).toBe('authenticated');
  });

  it('parses the BFF’s own problem details into the contract code and keeps them on the error', async () => {
    const { renderHook } = page(stack);
    const { result } = renderHook(useBoth);
    const error = await rejection(result.current.api.fetch('/api/hello'));
    expect(error).toMatchObject({ code: 'unauthenticated', status: 401, title: expect.any(String) });
    expect(error.problem).toMatchObject({ code: 'unauthenticated', status: 401 });
  });
});
