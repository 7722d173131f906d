import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { sessionCookieFrom, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { recordOf, sidOf, tokensFor } from './support/tokens.js';
import { startRecordingUpstream } from './support/recording-upstream.js';

// Issue 24, part 3 (contract: "Step-up"): a route with maxAuthAgeSeconds needs a recent sign-in;
// otherwise 401 step_up_required with a loginUrl that asks the IdP for a fresh one (prompt=login,
// max_age), and the callback checks the ID token's auth_time against the max_age it asked for.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let a: TestBff;
let b: TestBff;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  const routes = [
    { prefix: '/api', upstream: upstream.url },
    { prefix: '/api/payments', upstream: `${upstream.url}/payments`, maxAuthAgeSeconds: 300 },
  ];
  const shared = { keyPrefix: testPrefix(), sessionSecret: testSecret(), env: { API_ROUTES: JSON.stringify(routes) } };
  [a, b] = await Promise.all([startBff({ issuer: idp.issuer, ...shared }), startBff({ issuer: idp.issuer, ...shared })]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await upstream?.close();
  await idp?.stop();
});

const call = (bff: TestBff, path: string, headers: Record<string, string>) => fetch(`${bff.url}${path}`, { headers: { 'x-csrf': '1', ...headers } });
/** Makes the session's sign-in `secondsAgo` old, as if the user had signed in that long ago. */
async function ageSignIn(bff: TestBff, cookie: string, secondsAgo: number): Promise<void> {
  const { version, record } = await recordOf(bff, cookie);
  await bff.deps.tokens.compareAndSet(sidOf(bff, cookie), version, { ...record, authTime: Math.floor(Date.now() / 1000) - secondsAgo });
}

describe('a route with maxAuthAgeSeconds', () => {
  it('serves a recent sign-in on either instance, and records the ID token’s auth_time', async () => {
    const { cookie } = await signInAs(a, 'alice');
    const { record } = await recordOf(a, cookie);
    expect(record.authTime).toBeGreaterThan(Date.now() / 1000 - 60);
    for (const bff of [a, b]) expect((await call(bff, '/api/payments/card', { cookie })).status).toBe(200);
  });

  it('answers 401 step_up_required with a loginUrl once the sign-in is older, on every instance, and never calls the upstream', async () => {
    const { cookie } = await signInAs(a, 'alice');
    await ageSignIn(a, cookie, 301);
    upstream.seen.length = 0;
    for (const bff of [a, b]) {
      const res = await call(bff, '/api/payments/card', { cookie, referer: `${bff.url}/settings/payment?tab=card` });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { code: string; loginUrl: string };
      expect(body.code).toBe('step_up_required');
      const login = new URL(body.loginUrl, bff.url);
      expect(login.pathname).toBe('/auth/login');
      expect(Object.fromEntries(login.searchParams)).toEqual({ prompt: 'login', max_age: '300', returnTo: '/settings/payment?tab=card' });
    }
    expect(upstream.seen).toHaveLength(0);
    expect((await call(b, '/api/other', { cookie })).status).toBe(200); // routes without the field do not care
  });

  it('sends the user back to a same-origin page only: a foreign Referer becomes /', async () => {
    const { cookie } = await signInAs(b, 'bob');
    await ageSignIn(b, cookie, 1_000);
    const res = await call(b, '/api/payments', { cookie, referer: 'https://evil.example/phish' });
    expect(new URL(((await res.json()) as { loginUrl: string }).loginUrl, b.url).searchParams.get('returnTo')).toBe('/');
  });

  it('walks the step-up: loginUrl asks the IdP for prompt=login and max_age, and the new session passes', async () => {
    const { cookie } = await signInAs(a, 'alice');
    await ageSignIn(a, cookie, 301);
    const refused = await call(a, '/api/payments/card', { cookie, referer: `${a.url}/pay` });
    const { loginUrl } = (await refused.json()) as { loginUrl: string };
    const login = await fetch(new URL(loginUrl, a.url), { redirect: 'manual', headers: { cookie } });
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.searchParams.get('prompt')).toBe('login');
    expect(authorize.searchParams.get('max_age')).toBe('300');
    const callback = await fetch(await signIn(authorize, 'alice', 'Passw0rd!'), { redirect: 'manual', headers: { cookie: sessionCookieFrom(login) ?? cookie } });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/pay');
    const fresh = sessionCookieFrom(callback)!;
    expect((await call(b, '/api/payments/card', { cookie: fresh })).status).toBe(200);
  });

  it('holds a bearer caller to its access token’s auth_time the same way', async () => {
    const { access_token } = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'bob');
    expect((await call(a, '/api/payments', { authorization: `Bearer ${access_token}` })).status).toBe(200);
    const strict = await startBff({
      issuer: idp.issuer,
      keyPrefix: testPrefix(),
      env: { API_ROUTES: JSON.stringify([{ prefix: '/api', upstream: upstream.url, maxAuthAgeSeconds: 1 }]) },
    });
    try {
      await new Promise((r) => setTimeout(r, 2_100));
      const res = await call(strict, '/api/x', { authorization: `Bearer ${access_token}` });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'step_up_required' });
    } finally {
      await strict.close();
    }
  });
});

describe('the callback', () => {
  /** One browser: its cookie at the BFF and its cookies at the IdP (its hosted-UI session). */
  async function signInThrough(jar: CookieJar, query: string): Promise<{ status: number; location: string }> {
    const login = await fetch(`${a.url}/auth/login?${query}`, { redirect: 'manual' });
    const callbackUrl = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!', jar);
    const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: sessionCookieFrom(login)! } });
    return { status: callback.status, location: callback.headers.get('location') ?? '' };
  }

  it('refuses an ID token whose auth_time is older than the max_age the sign-in asked for (the IdP reused its session silently)', async () => {
    const jar = new CookieJar();
    expect(await signInThrough(jar, 'returnTo=%2F')).toEqual({ status: 302, location: '/' });
    // past max_age=1 and the 5 s of clock skew the callback allows, in whole seconds: auth_time and
    // the callback's clock are both floored, so 6.5 s could read as 6 (allowed); 7 s never can
    await new Promise((r) => setTimeout(r, 7_000));
    // Cognito ignores max_age: its live session answers at once with the first sign-in's auth_time
    expect(await signInThrough(jar, 'max_age=1&returnTo=%2Fpay')).toEqual({ status: 302, location: '/?authError=invalid_callback' });
    expect(await signInThrough(jar, 'max_age=600&returnTo=%2Fpay')).toEqual({ status: 302, location: '/pay' }); // recent enough
    // prompt=login makes the IdP authenticate again: a fresh auth_time passes even max_age=1
    expect(await signInThrough(jar, 'prompt=login&max_age=1&returnTo=%2Fpay')).toEqual({ status: 302, location: '/pay' });
  });
});

describe('configuration', () => {
  it('refuses maxAuthAgeSeconds on a route anonymous callers may use', async () => {
    const { loadConfig } = await import('../src/config/config.js');
    expect(() => loadConfig({ API_ROUTES: JSON.stringify([{ prefix: '/api', upstream: 'http://h', token: 'user-or-anonymous', maxAuthAgeSeconds: 60 }]) })).toThrow(/maxAuthAgeSeconds: only on routes/);
    expect(() => loadConfig({ API_ROUTES: JSON.stringify([{ prefix: '/api', upstream: 'http://h', maxAuthAgeSeconds: 0 }]) })).toThrow(/maxAuthAgeSeconds/);
  });
});
