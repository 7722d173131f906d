// 4403 from the real BFF: a socket on a route for the group `admins` is closed once the session's
// refreshed token no longer carries the group (the user was removed from it at the IdP), and
// useLiveSocket reports `forbidden` and does not reconnect.
import { waitFor } from '@testing-library/react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@app/bff-testing';
import { useLiveSocket, useSession } from '@app/react';
import { page } from './render.js';

const TOKEN_TTL_SECONDS = 10; // the BFF refreshes within half of it (5 s) before expiry

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
    extraRoutes: [{ prefix: '/api/admins', upstream: 'demo', groups: ['admins'], websocket: true }],
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('useLiveSocket on a route for a group', () => {
  it('becomes forbidden (4403) when a refresh shows the user left the group, and stays closed', async () => {
    await stack.emulator.setGroups('alice', ['admins', 'readers']);
    const { renderHook, client, sockets } = page(stack, await stack.signIn('alice'));
    const { result } = renderHook(() => ({ live: useLiveSocket('/api/admins/live'), session: useSession() }));
    await waitFor(() => expect(result.current.live.status).toBe('open'));
    const session = await client.getSession();
    if (!session.authenticated) throw new Error('not signed in');

    await stack.emulator.setGroups('alice', ['readers']); // removed from admins at the IdP
    // into the refresh window (4 s before expiry, well before the upstream's own close at expiry)
    await new Promise((r) => setTimeout(r, Math.max(0, session.accessTokenExpiresAt * 1000 - 4_000 - Date.now())));
    await client.getSession(); // the BFF refreshes: the new token lacks the group

    await waitFor(() => expect(result.current.live).toMatchObject({ status: 'forbidden', closeCode: 4403 }), { timeout: 3_500 });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sockets.opened).toHaveLength(1);
    expect(result.current.session.status).toBe('authenticated'); // forbidden here, still signed in
  });
});
