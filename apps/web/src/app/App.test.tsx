import type { SessionResponse } from '@app/shared-types';
import { screen, waitFor, within } from '@testing-library/react';
import { delay, http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem, signedInSession, signedOut, upstreamEcho } from '../testing/fixtures';
import { renderApp, stubLocationAssign } from '../testing/render';
import { sentRequests, server } from '../testing/server';

/** Serves /session from a variable the test can change, and counts the calls. */
function sessionEndpoint(initial: SessionResponse) {
  const state = { body: initial, calls: 0 };
  server.use(
    http.get('/session', () => {
      state.calls += 1;
      return HttpResponse.json(state.body, { headers: { 'cache-control': 'no-store' } });
    }),
  );
  return state;
}

const signInHeading = () => screen.findByRole('heading', { name: /sign in to continue/i });
const userCard = () => screen.findByRole('region', { name: 'Signed-in user' });
const apiResponse = () => screen.getByRole('region', { name: 'API response' });

describe('session states', () => {
  it('shows a loading status until /session answers', async () => {
    server.use(http.get('/session', () => delay('infinite')));
    renderApp();
    expect(await screen.findByRole('status')).toHaveTextContent('Checking your session');
    expect(screen.queryByRole('button', { name: 'Sign in' })).not.toBeInTheDocument();
  });

  it('shows the product and a Sign in button that returns to the current page when signed out', async () => {
    sessionEndpoint(signedOut);
    const { user } = renderApp('/reports?page=2');

    expect(await signInHeading()).toBeInTheDocument();
    expect(screen.getByRole('banner')).toHaveTextContent('Cognito BFF');
    expect(screen.queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument();
    const assign = stubLocationAssign();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2Freports%3Fpage%3D2');
  });

  it('shows the user, the ticking token lifetime and the session expiry when signed in', async () => {
    const session = signedInSession();
    sessionEndpoint(session);
    renderApp();

    const card = await userCard();
    expect(within(card).getByRole('heading', { name: 'Ada Lovelace' })).toBeInTheDocument();
    expect(card).toHaveTextContent('ada@example.com');
    expect(within(card).getByText('Verified')).toBeInTheDocument();
    expect(card).toHaveTextContent('ada');
    const groups = within(within(card).getByRole('list', { name: 'Groups' })).getAllByRole('listitem');
    expect(groups.map((g) => g.textContent)).toEqual(['admins', 'analysts']);
    expect(card).toHaveTextContent(session.user.sub);

    expect(screen.getByRole('timer', { name: 'Access token remaining lifetime' })).toHaveTextContent(/^1[45]:\d\d$/);
    const sessionEnd = screen.getByText((_, el) => el?.tagName === 'TIME' && el.getAttribute('dateTime') === new Date(session.sessionExpiresAt * 1000).toISOString());
    expect(sessionEnd).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows a banner when the refresh failed, and Retry refetches the session', async () => {
    const endpoint = sessionEndpoint(signedInSession({ error: 'RefreshAccessTokenError' }));
    const { user } = renderApp();

    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent(/access token could not be refreshed/i);
    expect(await userCard()).toBeInTheDocument(); // the session is kept
    expect(endpoint.calls).toBe(1);

    endpoint.body = signedInSession();
    await user.click(within(banner).getByRole('button', { name: 'Retry' }));

    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument());
    expect(endpoint.calls).toBe(2);
  });

  it('shows an unavailable view with Retry when /session itself answers 503', async () => {
    let calls = 0;
    server.use(
      http.get('/session', () => {
        calls += 1;
        return calls === 1 ? problem(503, 'session_store_unavailable', 'Session store unavailable', 'Redis did not answer.') : HttpResponse.json(signedOut);
      }),
    );
    const { user } = renderApp();

    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent('Redis did not answer.');
    await user.click(within(banner).getByRole('button', { name: 'Retry' }));

    expect(await signInHeading()).toBeInTheDocument();
    expect(calls).toBe(2);
  });
});

describe('Call the API', () => {
  it('shows status, latency and what the upstream saw, and keeps a history', async () => {
    sessionEndpoint(signedInSession());
    server.use(http.get('/api/hello', () => HttpResponse.json(upstreamEcho())));
    const { user } = renderApp();
    await userCard();

    await user.click(screen.getByRole('button', { name: 'Call the API' }));

    const region = apiResponse();
    await waitFor(() => expect(within(region).getByRole('status')).toHaveTextContent(/200.*\d+ ms/));
    expect(region).toHaveTextContent('local-client');
    expect(region).toHaveTextContent('openid email profile');
    expect(region).toHaveTextContent('3540');
    expect(region).toHaveTextContent('access');

    await user.click(screen.getByRole('button', { name: 'Call the API' }));
    await waitFor(() => expect(within(screen.getByRole('table', { name: 'Recent calls' })).getAllByRole('row')).toHaveLength(3));
    expect(sentRequests.filter((r) => new URL(r.url).pathname === '/api/hello')).toHaveLength(2);
  });

  it("calls the group-protected and the machine-to-machine routes, and says when the route refuses the user", async () => {
    sessionEndpoint(signedInSession());
    server.use(
      http.get('/api/admin/hello', () => problem(403, 'forbidden', 'Forbidden', 'This route needs membership in one of: admins.')),
      http.get('/api/stats/hello', () => HttpResponse.json({ ...upstreamEcho(), claims: { sub: 'local-m2m-client', client_id: 'local-m2m-client', scope: 'stats/read', token_use: 'access' } })),
    );
    const { user } = renderApp();
    await userCard();

    await user.click(screen.getByRole('button', { name: 'Admins only' }));
    await waitFor(() => expect(within(apiResponse()).getByRole('status')).toHaveTextContent(/403.*forbidden/));
    expect(apiResponse()).toHaveTextContent('needs membership in one of: admins');
    expect(await userCard()).toBeInTheDocument(); // a 403 is not a sign-out

    await user.click(screen.getByRole('button', { name: 'Service token' }));
    await waitFor(() => expect(within(apiResponse()).getByRole('status')).toHaveTextContent(/200/));
    expect(apiResponse()).toHaveTextContent('local-m2m-client');
    expect(apiResponse()).toHaveTextContent('stats/read');
    expect(sentRequests.map((r) => new URL(r.url).pathname)).toEqual(expect.arrayContaining(['/api/admin/hello', '/api/stats/hello']));
  });

  it('shows the signed-out view after a 401 from /api', async () => {
    const endpoint = sessionEndpoint(signedInSession());
    server.use(
      http.get('/api/hello', () => {
        endpoint.body = signedOut; // the BFF deleted the session (session_expired)
        return problem(401, 'session_expired', 'Session expired');
      }),
    );
    const { user } = renderApp();
    await userCard();

    await user.click(screen.getByRole('button', { name: 'Call the API' }));

    expect(await signInHeading()).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: 'Signed-in user' })).not.toBeInTheDocument();
    expect(endpoint.calls).toBe(2);
  });

  it('shows a banner on a 503 whose Retry refetches the session and repeats the call', async () => {
    const endpoint = sessionEndpoint(signedInSession());
    let apiCalls = 0;
    server.use(
      http.get('/api/hello', () => {
        apiCalls += 1;
        return apiCalls === 1 ? problem(503, 'idp_unavailable', 'Identity provider unavailable') : HttpResponse.json(upstreamEcho());
      }),
    );
    const { user } = renderApp();
    await userCard();

    await user.click(screen.getByRole('button', { name: 'Call the API' }));

    const banner = await screen.findByRole('alert');
    expect(banner).toHaveTextContent(/identity provider cannot be reached/i);
    expect(within(apiResponse()).getByRole('status')).toHaveTextContent('503');
    expect(endpoint.calls).toBe(1);

    await user.click(within(banner).getByRole('button', { name: 'Retry' }));

    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument());
    expect(endpoint.calls).toBe(2);
    expect(apiCalls).toBe(2);
    expect(within(apiResponse()).getByRole('status')).toHaveTextContent('200');
  });
});

describe('authError', () => {
  it('explains a failed sign-in and can be dismissed, which also cleans the URL', async () => {
    sessionEndpoint(signedOut);
    const { user } = renderApp('/?authError=idp_unavailable&tab=2');

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(/identity provider could not be reached/i);
    await user.click(within(alert).getByRole('button', { name: 'Dismiss' }));

    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(window.location.search).toBe('?tab=2');
    const assign = stubLocationAssign();
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(assign).toHaveBeenCalledWith('/auth/login?returnTo=%2F%3Ftab%3D2');
  });

  it('has a readable fallback for an unknown code', async () => {
    sessionEndpoint(signedOut);
    renderApp('/?authError=weird_code');

    expect(await screen.findByRole('alert')).toHaveTextContent(/something went wrong while signing in/i);
  });
});

describe('Sign out', () => {
  it('posts /auth/logout with the CSRF header, then goes to the logoutUrl', async () => {
    sessionEndpoint(signedInSession());
    const logoutUrl = 'https://idp.example.com/logout?client_id=abc&logout_uri=http%3A%2F%2Flocalhost%3A5173%2F';
    server.use(http.post('/auth/logout', () => HttpResponse.json({ logoutUrl })));
    const { user } = renderApp();
    await userCard();
    const assign = stubLocationAssign();

    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    await waitFor(() => expect(assign).toHaveBeenCalledWith(logoutUrl));
    const logout = sentRequests.find((r) => r.method === 'POST');
    expect(logout && new URL(logout.url).pathname).toBe('/auth/logout');
    expect(logout?.headers.get('x-csrf')).toBe('1');
    expect(logout?.credentials).toBe('same-origin');
  });

  it('does not follow a logoutUrl that is not http(s)', async () => {
    sessionEndpoint(signedInSession());
    server.use(http.post('/auth/logout', () => HttpResponse.json({ logoutUrl: 'javascript:alert(1)' })));
    const { user } = renderApp();
    await userCard();
    const assign = stubLocationAssign();

    await user.click(screen.getByRole('button', { name: 'Sign out' }));

    expect(await screen.findByText(/sign-out failed/i)).toBeInTheDocument();
    expect(assign).not.toHaveBeenCalled();
  });
});

describe('every request', () => {
  it('carries X-CSRF: 1 and credentials: same-origin (also checked after every test)', async () => {
    sessionEndpoint(signedInSession());
    server.use(
      http.get('/api/hello', () => HttpResponse.json(upstreamEcho())),
      http.post('/auth/logout', () => HttpResponse.json({ logoutUrl: 'https://idp.example.com/logout' })),
    );
    const { user } = renderApp();
    await userCard();
    stubLocationAssign();
    await user.click(screen.getByRole('button', { name: 'Call the API' }));
    await waitFor(() => expect(within(apiResponse()).getByRole('status')).toHaveTextContent('200'));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(sentRequests.some((r) => r.method === 'POST')).toBe(true));

    expect(sentRequests.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(['GET /session', 'GET /sessions', 'GET /api/hello', 'POST /auth/logout']);
    for (const request of sentRequests) {
      expect(request.headers.get('x-csrf')).toBe('1');
      expect(request.credentials).toBe('same-origin');
    }
  });
});
