// signIn(), signOut()/useSignOut(), useSessions() and useEndSession() against a real BFF.
import { act, waitFor } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFetch, startStack, type Stack } from '@app/bff-testing';
import { createBffClient, signIn, signOut, useEndSession, useSession, useSessions, useSignOut } from '@app/react';
import { page, spyOnNavigation } from './render.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('signIn', () => {
  it('goes to /auth/login with this page as returnTo and only the contract’s parameters, which the BFF passes to the IdP', async () => {
    window.history.replaceState(null, '', '/reports?page=2');
    const assign = spyOnNavigation();
    const client = createBffClient({ baseUrl: stack.url });

    signIn({ client, loginHint: 'alice@example.com', prompt: 'login', identityProvider: 'COGNITO', ...({ scope: 'admin', redirect_uri: 'https://evil.example' } as object) });

    const target = new URL(assign.mock.calls[0]![0]);
    expect(`${target.origin}${target.pathname}`).toBe(`${stack.url}/auth/login`);
    expect(Object.fromEntries(target.searchParams)).toEqual({ returnTo: '/reports?page=2', login_hint: 'alice@example.com', prompt: 'login', identity_provider: 'COGNITO' });
    const redirect = await globalThis.fetch(target, { redirect: 'manual' });
    const authorize = new URL(redirect.headers.get('location')!);
    expect(authorize.searchParams.get('login_hint')).toBe('alice@example.com');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${stack.url}/auth/callback`);
  });
});

describe('signOut', () => {
  it('posts /auth/logout with X-CSRF: 1, ends the session, then goes to the IdP’s logout URL', async () => {
    const { sent, client } = page(stack, await stack.signIn('alice'));
    const assign = spyOnNavigation();

    const { logoutUrl } = await signOut({ client });

    const post = sent.find((r) => r.method === 'POST');
    expect(post && new URL(post.url).pathname).toBe('/auth/logout');
    expect(post?.headers.get('x-csrf')).toBe('1');
    expect(assign).toHaveBeenCalledWith(logoutUrl);
    expect(new URL(logoutUrl).origin).toBe(new URL(stack.emulator.url).origin);
    expect(await client.getSession()).toEqual({ authenticated: false });
  });

  it('everywhere: ends the user’s sessions on other devices too', async () => {
    const other = createBffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url, await stack.signIn('bob')) });
    const { renderHook } = page(stack, await stack.signIn('bob'));
    spyOnNavigation();
    const { result } = renderHook(() => ({ signOut: useSignOut(), session: useSession() }));
    await waitFor(() => expect(result.current.session.status).toBe('authenticated'));

    await act(() => result.current.signOut.mutateAsync({ everywhere: true }));

    await waitFor(() => expect(result.current.session.status).toBe('unauthenticated'));
    expect(await other.getSession()).toEqual({ authenticated: false });
  });
});

describe('useSessions and useEndSession', () => {
  it('list the user’s sessions, end another one, and the list follows', async () => {
    const elsewhere = await stack.signIn('bob');
    const { renderHook } = page(stack, await stack.signIn('bob'));
    const { result } = renderHook(() => ({ sessions: useSessions(), end: useEndSession() }));
    await waitFor(() => expect(result.current.sessions.data?.sessions.length).toBeGreaterThanOrEqual(2));
    const before = result.current.sessions.data!.sessions;
    expect(before.filter((s) => s.current)).toHaveLength(1);
    const other = before.filter((s) => !s.current);

    await act(() => result.current.end.mutateAsync(other.map((s) => s.id)));

    await waitFor(() => expect(result.current.sessions.data?.sessions).toHaveLength(1));
    expect(result.current.sessions.data?.sessions[0]?.current).toBe(true);
    const ended = createBffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url, elsewhere) });
    expect(await ended.getSession()).toEqual({ authenticated: false });
  });

  it('signed out, useSessions fails with unauthenticated', async () => {
    const { renderHook } = page(stack);
    const { result } = renderHook(() => useSessions());
    await waitFor(() => expect(result.current.error).toMatchObject({ code: 'unauthenticated', status: 401 }));
  });
});
