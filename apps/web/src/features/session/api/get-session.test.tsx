import { QueryClientProvider } from '@tanstack/react-query';
import { renderHook, waitFor } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { createQueryClient } from '../../../lib/query-client';
import { signedInSession } from '../../../testing/fixtures';
import { server } from '../../../testing/server';
import { nextRefetchDelay, parseSessionResponse, REFETCH_BEFORE_EXPIRY_MS, useSession } from './get-session';

describe('parseSessionResponse', () => {
  it('accepts a signed-out and a signed-in session and keeps RefreshAccessTokenError', () => {
    expect(parseSessionResponse({ authenticated: false })).toEqual({ authenticated: false });
    const session = signedInSession({ error: 'RefreshAccessTokenError' });
    expect(parseSessionResponse(session)).toEqual(session);
  });

  it.each([null, {}, { authenticated: 'yes' }, { authenticated: true, user: { sub: 'x', groups: [] } }, { ...signedInSession(), user: { groups: [] } }])(
    'rejects %j',
    (body) => {
      expect(() => parseSessionResponse(body)).toThrow(TypeError);
    },
  );
});

describe('nextRefetchDelay', () => {
  const now = 1_700_000_000_000;

  it('does not poll when signed out', () => {
    expect(nextRefetchDelay({ authenticated: false }, now)).toBe(false);
  });

  it('refetches five seconds before the access token expires', () => {
    const session = signedInSession({ accessTokenExpiresAt: now / 1000 + 60 });
    expect(nextRefetchDelay(session, now)).toBe(60_000 - REFETCH_BEFORE_EXPIRY_MS);
  });

  it('polls slowly once the expiry is past, e.g. after a failed refresh', () => {
    const session = signedInSession({ accessTokenExpiresAt: now / 1000 - 10 });
    expect(nextRefetchDelay(session, now)).toBe(30_000);
  });
});

describe('useSession', () => {
  it('refetches on its own shortly before the access token expires', async () => {
    let calls = 0;
    server.use(
      http.get('/session', () => {
        calls += 1;
        // First answer: ~6.5 s left, so the refetch is due in ~1.5 s; then a fresh hour.
        const left = calls === 1 ? 6.5 : 3600;
        return HttpResponse.json(signedInSession({ accessTokenExpiresAt: Date.now() / 1000 + left }));
      }),
    );
    const client = createQueryClient({ retry: false });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;

    const { result } = renderHook(() => useSession(), { wrapper });

    await waitFor(() => expect(result.current.data?.authenticated).toBe(true));
    expect(calls).toBe(1);
    await waitFor(() => expect(calls).toBe(2), { timeout: 4000 });
    client.clear();
  });
});
