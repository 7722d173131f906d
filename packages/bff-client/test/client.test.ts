// The generated client against a real BFF process, the Cognito emulator and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserFetch, startStack, type SentRequest, type Stack } from '@app/bff-testing';
import { BffError, createBffClient, signInUrl } from '@app/bff-client';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function failure(promise: Promise<unknown>): Promise<BffError> {
  const error = await promise.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BffError);
  return error as BffError;
}

describe('with the session cookie (a browser)', () => {
  it('reads a signed-out session, then the signed-in user, never a token', async () => {
    const anonymous = createBffClient({ baseUrl: stack.url });
    expect(await anonymous.getSession()).toEqual({ authenticated: false });

    const jar = await stack.signIn('alice');
    const sent: SentRequest[] = [];
    const bff = createBffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url, jar, sent) });
    const session = await bff.getSession();
    expect(session).toMatchObject({ authenticated: true, user: { username: 'alice', groups: expect.arrayContaining(['admins']) } });
    expect(JSON.stringify(session)).not.toMatch(/eyJ/); // no JWT of any kind
    expect(sent.at(-1)?.headers.get('x-csrf')).toBe('1');
    expect(sent.at(-1)?.credentials).toBe('same-origin');
  });

  it('lists the sessions, ends another one, and logs out with the IdP logout URL', async () => {
    const here = await stack.signIn('bob');
    const elsewhere = await stack.signIn('bob');
    const bff = createBffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url, here) });
    const other = createBffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url, elsewhere) });

    const { sessions } = await bff.listSessions();
    expect(sessions.filter((s) => s.current)).toHaveLength(1);
    const otherId = sessions.find((s) => !s.current)?.id;
    expect(otherId).toBeDefined();
    await bff.endSession(otherId!);
    expect(await other.getSession()).toEqual({ authenticated: false });
    expect((await bff.listSessions()).sessions).toHaveLength(1);

    const { logoutUrl } = await bff.logout();
    expect(new URL(logoutUrl).origin).toBe(new URL(stack.emulator.url).origin);
    expect(await bff.getSession()).toEqual({ authenticated: false });
  });

  it('turns a problem+json answer into a BffError with the contract code', async () => {
    const bff = createBffClient({ baseUrl: stack.url });
    const error = await failure(bff.listSessions());
    expect(error).toMatchObject({ code: 'unauthenticated', status: 401, title: expect.any(String) });
    expect(error.problem?.code).toBe('unauthenticated');

    const endUnknown = await failure(createBffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url, await stack.signIn('alice')) }).endSession('no-such-session'));
    expect(endUnknown).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('reports a BFF that cannot be reached as network_error', async () => {
    const error = await failure(createBffClient({ baseUrl: 'http://127.0.0.1:9' }).getSession());
    expect(error).toMatchObject({ code: 'network_error', status: 0 });
  });
});

describe('/api/* through apiFetch', () => {
  it('calls with a bearer token (no cookie) and with the cookie + X-CSRF', async () => {
    const token = await stack.accessToken('alice');
    const withToken = await createBffClient({ baseUrl: stack.url, headers: { authorization: `Bearer ${token}` } }).apiFetch('/api/hello?x=1');
    expect(await withToken.json()).toMatchObject({ claims: { username: 'alice', token_use: 'access' } });

    const jar = await stack.signIn('bob');
    const withCookie = await createBffClient({ baseUrl: stack.url, fetch: browserFetch(stack.url, jar) }).apiFetch('/api/hello');
    expect(await withCookie.json()).toMatchObject({ claims: { username: 'bob' } });
  });

  it('rejects a forged bearer token with invalid_token and no session with unauthenticated', async () => {
    const forged = await failure(createBffClient({ baseUrl: stack.url, headers: { authorization: 'Bearer not.a.token' } }).apiFetch('/api/hello'));
    expect(forged).toMatchObject({ code: 'invalid_token', status: 401 });
    const none = await failure(createBffClient({ baseUrl: stack.url }).apiFetch('/api/hello'));
    expect(none).toMatchObject({ code: 'unauthenticated', status: 401 });
  });

  it('refuses a path outside /api, so it cannot be used to reach the BFF’s own routes by mistake', async () => {
    await expect(createBffClient({ baseUrl: stack.url }).apiFetch('/sessions')).rejects.toThrow(TypeError);
  });
});

describe('signInUrl', () => {
  it('sends only the contract’s sign-in parameters, and the BFF passes them to the IdP', async () => {
    const url = signInUrl({ returnTo: '/reports?page=2', loginHint: 'alice@example.com', prompt: 'login', maxAge: 300, identityProvider: 'Google', ...({ client_id: 'evil' } as object) }, stack.url);
    expect(new URL(url).searchParams.has('client_id')).toBe(false);
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const authorize = new URL(res.headers.get('location')!);
    expect(authorize.origin).toBe(new URL(stack.emulator.url).origin);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ login_hint: 'alice@example.com', prompt: 'login', max_age: '300', identity_provider: 'Google', client_id: 'local-client' });
  });

  it('is relative (same origin) without a base URL', () => {
    expect(signInUrl()).toBe('/auth/login');
    expect(signInUrl({ returnTo: '/x' })).toBe('/auth/login?returnTo=%2Fx');
  });
});
