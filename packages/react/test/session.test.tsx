// useSession() against a real BFF whose emulator issues 2-second access tokens.
import { act, waitFor } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@app/bff-testing';
import { EXPIRED_POLL_MS, nextSessionRefetch, useSession } from '@app/react';
import { focusManager } from '@tanstack/react-query';
import { page } from './render.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ accessTokenTtlSeconds: 2 });
});
afterAll(async () => {
  await stack?.stop();
});

describe('useSession', () => {
  it('is loading, then unauthenticated without a session', async () => {
    const { renderHook } = page(stack);
    const { result } = renderHook(() => useSession());
    expect(result.current.status).toBe('loading');
    await waitFor(() => expect(result.current.status).toBe('unauthenticated'));
    expect(result.current).toMatchObject({ data: { authenticated: false }, user: undefined, refreshError: false, error: null });
  });

  it('is authenticated with the user from the shared schema, and no token anywhere in it', async () => {
    const { renderHook } = page(stack, await stack.signIn('alice'));
    const { result } = renderHook(() => useSession());
    await waitFor(() => expect(result.current.status).toBe('authenticated'));
    expect(result.current.user).toMatchObject({ username: 'alice', email: 'alice@example.com', groups: ['admins', 'readers'] });
    expect(JSON.stringify(result.current.data)).not.toMatch(/eyJ|access_?token"|refresh/i);
  });

  it('asks again by itself around the access token’s expiry and gets the refreshed one', async () => {
    const { renderHook, requestsTo } = page(stack, await stack.signIn('alice'));
    const { result } = renderHook(() => useSession());
    await waitFor(() => expect(result.current.status).toBe('authenticated'));
    const first = result.current.data?.authenticated ? result.current.data.accessTokenExpiresAt : 0;

    await waitFor(() => expect(result.current.data?.authenticated && result.current.data.accessTokenExpiresAt).toBeGreaterThan(first), { timeout: 8_000 });
    expect(requestsTo('/session').length).toBeGreaterThanOrEqual(2);
    expect(result.current.status).toBe('authenticated');
  });

  it('asks again on window focus, and shows a session ended elsewhere as unauthenticated', async () => {
    const jar = await stack.signIn('bob');
    const { renderHook, requestsTo, client } = page(stack, jar);
    const { result } = renderHook(() => useSession());
    await waitFor(() => expect(result.current.status).toBe('authenticated'));
    await client.logout(); // the same cookie, as another tab would
    const before = requestsTo('/session').length;

    act(() => {
      focusManager.setFocused(false);
      focusManager.setFocused(true);
    });

    await waitFor(() => expect(result.current.status).toBe('unauthenticated'));
    expect(requestsTo('/session').length).toBeGreaterThan(before);
  });

  it('flags RefreshAccessTokenError when the IdP is down at refresh time, keeping the session', async () => {
    const { renderHook } = page(stack, await stack.signIn('alice'));
    const { result } = renderHook(() => useSession());
    await waitFor(() => expect(result.current.status).toBe('authenticated'));
    await stack.emulator.kill();
    try {
      await new Promise((r) => setTimeout(r, 2_500)); // past the 2 s access token
      await act(() => result.current.refetch());
      await waitFor(() => expect(result.current.refreshError).toBe(true));
      expect(result.current.status).toBe('authenticated');
      expect(result.current.data).toMatchObject({ authenticated: true, error: 'RefreshAccessTokenError' });
    } finally {
      await stack.emulator.restart();
    }
  });
});

describe('when /session is asked again', () => {
  const signedIn = (accessTokenExpiresAt: number, sessionExpiresAt: number) => ({ authenticated: true as const, user: { sub: 's', groups: [] }, accessTokenExpiresAt, sessionExpiresAt });
  const now = 1_000_000_000_000;

  it('shortly before the access token expires, or when the session expires if that is sooner', () => {
    expect(nextSessionRefetch(signedIn(now / 1000 + 300, now / 1000 + 86_400), now)).toBe(295_000);
    expect(nextSessionRefetch(signedIn(now / 1000 + 300, now / 1000 + 60), now)).toBe(60_000);
  });

  it('no faster than every 30 s once the expiry has passed (a refresh is failing), and never when signed out', () => {
    expect(nextSessionRefetch(signedIn(now / 1000 - 1, now / 1000 + 60), now)).toBe(EXPIRED_POLL_MS);
    expect(nextSessionRefetch({ authenticated: false }, now)).toBe(false);
    expect(nextSessionRefetch(undefined, now)).toBe(false);
  });
});
