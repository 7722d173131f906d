import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { deleteKeys, getSession, sessionCookieFrom, signInAs, startBff, testPrefix, type TestBff } from './support/bff.js';
import { sidOf } from './support/tokens.js';

let idp: SpawnedEmulator;
let bff: TestBff;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  bff = await startBff({ issuer: idp.issuer });
});
afterAll(async () => {
  await bff?.close();
  await idp?.stop();
});

async function startLogin(returnTo?: string) {
  const q = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  const res = await fetch(`${bff.url}/auth/login${q}`, { redirect: 'manual' });
  return { res, cookie: sessionCookieFrom(res)!, authorize: new URL(res.headers.get('location')!) };
}

describe('sign-in through the code flow', () => {
  it('redirects to the authorization endpoint with code, PKCE S256, state, nonce, redirect_uri and scopes', async () => {
    const { res, authorize, cookie } = await startLogin('/dashboard');
    expect(res.status).toBe(302);
    expect(cookie).toMatch(/^bff\.sid=/);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.url}/oauth2/authorize`);
    const p = authorize.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe('local-client');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(p.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(p.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(p.get('redirect_uri')).toBe(`${bff.url}/auth/callback`);
    expect(p.get('scope')).toBe('openid email profile');
  });

  it('signs alice in, issues a new session id, and /session describes her without any token', async () => {
    const anonymous = await getSession(bff);
    expect(anonymous.body).toEqual({ authenticated: false });
    expect(anonymous.res.headers.get('cache-control')).toBe('no-store');

    const login = await startLogin('/reports?tab=2');
    const callbackUrl = await signIn(login.authorize, 'alice', 'Passw0rd!');
    const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: login.cookie } });
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/reports?tab=2');
    const cookie = sessionCookieFrom(callback)!;
    expect(cookie).toBeDefined();
    expect(cookie).not.toBe(login.cookie); // session fixation: a new id at sign-in

    const setCookie = callback.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/); // http:// PUBLIC_URL

    const { res, body } = await getSession(bff, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body).toMatchObject({
      authenticated: true,
      user: { username: 'alice', email: 'alice@example.com', emailVerified: true, name: 'Alice Example', groups: ['admins', 'readers'] },
    });
    const now = Date.now() / 1000;
    expect(body.accessTokenExpiresAt).toBeGreaterThan(now);
    expect(body.sessionExpiresAt).toBeGreaterThan(now);
    expect(JSON.stringify(body)).not.toMatch(/eyJ/); // no JWT of any kind

    // the pre-login cookie does not carry the signed-in session
    expect((await getSession(bff, login.cookie)).body).toEqual({ authenticated: false });
  });

  it('keeps bob and alice apart, with their own groups', async () => {
    const { cookie } = await signInAs(bff, 'bob');
    const { body } = await getSession(bff, cookie);
    expect(body).toMatchObject({ authenticated: true, user: { username: 'bob', groups: ['readers'] } });
  });

  it.each([
    ['//evil.example', '/'],
    ['/\\evil.example', '/'],
    ['https://evil.example/x', '/'],
    ['javascript:alert(1)', '/'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['', '/'],
    ['/ok/path?x=1#frag', '/ok/path?x=1#frag'],
  ])('sends returnTo=%j back to %j after sign-in', async (returnTo, expected) => {
    const { location } = await signInAs(bff, 'alice', returnTo);
    expect(location).toBe(expected);
  });
});

/** A BFF of its own (own key prefix, no rate limit) for one describe block; its keys go afterwards. */
function ownBff() {
  const own = { prefix: testPrefix(), bff: undefined as unknown as TestBff };
  beforeAll(async () => {
    own.bff = await startBff({ issuer: idp.issuer, keyPrefix: own.prefix, env: { RATE_LIMIT_AUTH_PER_MINUTE: '0' } });
  });
  afterAll(async () => {
    await own.bff?.close();
    await deleteKeys(own.prefix);
  });
  return own;
}

describe('where the browser lands after sign-in', () => {
  const own = ownBff();

  // each of these normalises to a protocol-relative `//evil.example` in a URL parser
  it.each([
    ['/./' + '/evil.example', '/'],
    ['/.//evil.example', '/'],
    ['/..//evil.example', '/'],
    ['/a/..//evil.example', '/'],
    ['/%2e//evil.example', '/'],
    ['/%2E%2E//evil.example', '/'],
    ['/%2e%2e//', '/'],
    ['/.%2e/%2e//evil.example', '/'],
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['/.\t//evil.example', '/'],
    ['\\/evil.example', '/'],
    ['/./\\evil.example', '/'],
    ['/%09/evil.example', '/%09/evil.example'],
    ['/a/./b/../c?d=1#e', '/a/c?d=1#e'],
    ['/' + 'a'.repeat(600), '/'],
  ])('returnTo=%j sends the browser to %j, on our origin', async (returnTo, expected) => {
    const { location } = await signInAs(own.bff, 'alice', returnTo);
    expect(location).toBe(expected);
    expect(new URL(location, own.bff.url).origin).toBe(own.bff.url);
  });
});

describe('a sign-in attempt is small and short-lived until the callback', () => {
  const own = ownBff();
  const LONGEST_RETURN_TO = '/' + 'a'.repeat(511); // the documented bound: 512 characters
  const documentKey = (cookie: string) => `${own.prefix}sess:${sidOf(own.bff, cookie)}`;
  const login = (returnTo: string, cookie?: string) =>
    fetch(`${own.bff.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

  it('the anonymous document lives at most 10 minutes, its cookie too, and stays under 1 KB with the longest returnTo', async () => {
    const res = await login(LONGEST_RETURN_TO);
    const cookie = sessionCookieFrom(res)!;
    const key = documentKey(cookie);
    const ttl = await own.bff.deps.redis.ttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(600);
    expect(await own.bff.deps.redis.strLen(key)).toBeLessThan(1024);
    const expires = /Expires=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1];
    expect(Date.parse(expires!)).toBeLessThanOrEqual(Date.now() + 600_000);
  });

  it('a returnTo over 512 characters is not stored: it becomes /', async () => {
    const cookie = sessionCookieFrom(await login(LONGEST_RETURN_TO + 'a'))!;
    const document = JSON.parse((await own.bff.deps.redis.get(documentKey(cookie)))!) as { logins: { returnTo: string }[] };
    expect(document.logins.map((l) => l.returnTo)).toEqual(['/']);
  });

  it('twenty attempts in one browser keep only the newest three; the newest signs in and gets the full session lifetime', async () => {
    let cookie: string | undefined;
    let authorize = '';
    for (let i = 0; i < 20; i++) {
      const res = await login(LONGEST_RETURN_TO, cookie);
      cookie = sessionCookieFrom(res) ?? cookie;
      authorize = res.headers.get('location')!;
    }
    const key = documentKey(cookie!);
    const document = JSON.parse((await own.bff.deps.redis.get(key))!) as { logins: unknown[] };
    expect(document.logins).toHaveLength(3);
    expect(await own.bff.deps.redis.strLen(key)).toBeLessThan(3 * 1024);
    expect(await own.bff.deps.redis.ttl(key)).toBeLessThanOrEqual(600);

    const callback = await fetch(await signIn(authorize, 'alice', 'Passw0rd!'), { redirect: 'manual', headers: { cookie: cookie! } });
    expect(callback.headers.get('location')).toBe(LONGEST_RETURN_TO);
    const signedIn = sessionCookieFrom(callback)!;
    expect((await getSession(own.bff, signedIn)).body.authenticated).toBe(true);
    expect(await own.bff.deps.redis.exists(key)).toBe(0); // the attempt is gone with its id
    // the signed-in document lives as long as the idle timeout allows (defaults: 8 h of a 24 h session)
    const { sessionIdleTimeoutSeconds, sessionTtlSeconds } = own.bff.deps.config;
    const lifetime = Math.min(sessionIdleTimeoutSeconds, sessionTtlSeconds);
    expect(await own.bff.deps.redis.ttl(documentKey(signedIn))).toBeGreaterThan(lifetime - 10);
    const expires = /Expires=([^;]+)/.exec(callback.headers.getSetCookie().join('\n'))?.[1];
    expect(Date.parse(expires!)).toBeGreaterThan(Date.now() + (sessionTtlSeconds - 10) * 1000);
  });
});

describe('sign-in parameters passed on to the authorization request', () => {
  const own = ownBff();
  const loginWith = (query: Record<string, string>) =>
    fetch(`${own.bff.url}/auth/login?${new URLSearchParams(query).toString()}`, { redirect: 'manual' });

  it('passes the allowed ones, and the emulator signs in with them', async () => {
    const extra = { identity_provider: 'COGNITO', idp_identifier: 'example.com', login_hint: 'alice', prompt: 'login', lang: 'de', acr_values: 'urn:example:loa:1', max_age: '3600' };
    const res = await loginWith({ returnTo: '/after', ...extra });
    const authorize = new URL(res.headers.get('location')!);
    for (const [name, value] of Object.entries(extra)) expect(authorize.searchParams.getAll(name), name).toEqual([value]);
    const callback = await fetch(await signIn(authorize, 'alice', 'Passw0rd!'), { redirect: 'manual', headers: { cookie: sessionCookieFrom(res)! } });
    expect(callback.headers.get('location')).toBe('/after');
    expect((await getSession(own.bff, sessionCookieFrom(callback))).body).toMatchObject({ authenticated: true, user: { username: 'alice' } });
  });

  it('passes no other parameter, and none overrides those of the BFF', async () => {
    const res = await loginWith({
      login_hint: 'alice', client_id: 'other-client', redirect_uri: 'https://evil.example/cb', response_type: 'token', scope: 'openid admin', state: 'forced-state',
      nonce: 'forced-nonce', code_challenge: 'forced', code_challenge_method: 'plain', response_mode: 'form_post', request_uri: 'https://evil.example/r', foo: 'bar',
    });
    const p = new URL(res.headers.get('location')!).searchParams;
    expect([...new Set(p.keys())].sort()).toEqual(['client_id', 'code_challenge', 'code_challenge_method', 'login_hint', 'nonce', 'redirect_uri', 'response_type', 'scope', 'state']);
    for (const name of p.keys()) expect(p.getAll(name), name).toHaveLength(1);
    expect(p.get('client_id')).toBe('local-client');
    expect(p.get('redirect_uri')).toBe(`${own.bff.url}/auth/callback`);
    expect(p.get('response_type')).toBe('code');
    expect(p.get('scope')).toBe('openid email profile');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('state')).not.toBe('forced-state');
    expect(p.get('nonce')).not.toBe('forced-nonce');
    expect(p.get('code_challenge')).not.toBe('forced');
  });

  it('drops (never truncates) a value over 1,024 characters, with control characters, or given twice', async () => {
    const res = await fetch(
      `${own.bff.url}/auth/login?login_hint=${'a'.repeat(1025)}&lang=${'b'.repeat(1024)}&prompt=login%0d%0aX&acr_values=a%00b&idp_identifier=x%09y&max_age=1&max_age=2&identity_provider=%C2%85`,
      { redirect: 'manual' },
    );
    const p = new URL(res.headers.get('location')!).searchParams;
    expect(p.get('lang')).toBe('b'.repeat(1024));
    for (const name of ['login_hint', 'prompt', 'acr_values', 'idp_identifier', 'max_age', 'identity_provider']) expect(p.has(name), name).toBe(false);
  });
});

describe('a broken callback never creates a session and never answers 5xx', () => {
  async function callbackWith(query: string, cookie?: string) {
    const res = await fetch(`${bff.url}/auth/callback${query}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    return res;
  }
  function expectRejected(res: Response) {
    expect(res.status).toBeLessThan(500);
    if (res.status === 302) expect(res.headers.get('location')).toMatch(/^\/\?authError=[a-z_]+$/);
    else expect(res.status).toBeGreaterThanOrEqual(400);
    const cookie = sessionCookieFrom(res);
    return cookie;
  }

  it('without state', async () => {
    const login = await startLogin();
    const callbackUrl = await signIn(login.authorize, 'alice', 'Passw0rd!');
    callbackUrl.searchParams.delete('state');
    const res = await callbackWith(callbackUrl.search, login.cookie);
    expectRejected(res);
    expect((await getSession(bff, login.cookie)).body).toEqual({ authenticated: false });
  });

  it('with a wrong state', async () => {
    const login = await startLogin();
    const callbackUrl = await signIn(login.authorize, 'alice', 'Passw0rd!');
    callbackUrl.searchParams.set('state', 'not-the-state');
    const res = await callbackWith(callbackUrl.search, login.cookie);
    expect(res.headers.get('location')).toBe('/?authError=invalid_callback');
    expect((await getSession(bff, login.cookie)).body).toEqual({ authenticated: false });
  });

  it('with error=access_denied from the IdP', async () => {
    const login = await startLogin();
    const state = login.authorize.searchParams.get('state')!;
    const res = await callbackWith(`?error=access_denied&state=${state}`, login.cookie);
    expect(res.headers.get('location')).toBe('/?authError=access_denied');
    // at most the pre-login session is re-sent; no signed-in session exists
    expect([undefined, login.cookie]).toContain(sessionCookieFrom(res));
    expect((await getSession(bff, login.cookie)).body).toEqual({ authenticated: false });
  });

  it('replayed: the second use of a code and state fails and the first session stays the only one', async () => {
    const login = await startLogin();
    const callbackUrl = await signIn(login.authorize, 'alice', 'Passw0rd!');
    const first = await callbackWith(callbackUrl.search, login.cookie);
    const cookie = sessionCookieFrom(first)!;
    expect(first.headers.get('location')).toBe('/');
    const codeGrants = (await idp.stats()).grants.authorization_code;
    const replay = await callbackWith(callbackUrl.search, login.cookie);
    expect(replay.headers.get('location')).toBe('/?authError=invalid_callback');
    expect(sessionCookieFrom(replay)).toBeUndefined();
    const replayWithNewSession = await callbackWith(callbackUrl.search, cookie);
    expect(replayWithNewSession.headers.get('location')).toBe('/?authError=invalid_callback');
    expect((await idp.stats()).grants.authorization_code).toBe(codeGrants);
  });

  it('with a code the IdP does not know (failed exchange)', async () => {
    const login = await startLogin();
    const state = login.authorize.searchParams.get('state')!;
    const res = await callbackWith(`?code=forged-code&state=${state}`, login.cookie);
    expect(res.headers.get('location')).toBe('/?authError=invalid_callback');
    expect((await getSession(bff, login.cookie)).body).toEqual({ authenticated: false });
  });

  it.each(['', '?code=&state=', '?state[]=a&state[]=b', '?%zz=%', `?code=${'x'.repeat(5000)}`, '?error=%00'])('with garbage %j', async (query) => {
    const res = await callbackWith(query);
    expectRejected(res);
    expect(sessionCookieFrom(res)).toBeUndefined();
  });
});

describe('sign-out', () => {
  it('needs X-CSRF: 1', async () => {
    const { cookie } = await signInAs(bff);
    const res = await fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'csrf_header_missing', status: 403 });
    expect((await getSession(bff, cookie)).body.authenticated).toBe(true);
  });

  it('revokes the refresh token at the IdP, answers the Cognito logout URL, and the old cookie is dead', async () => {
    const { cookie } = await signInAs(bff);
    const before = await idp.stats();
    const res = await fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } });
    expect(res.status).toBe(200);
    const { logoutUrl } = (await res.json()) as { logoutUrl: string };
    const url = new URL(logoutUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${idp.url}/logout`);
    expect(url.searchParams.get('client_id')).toBe('local-client');
    expect(url.searchParams.get('logout_uri')).toBe(`${bff.url}/`);
    expect(res.headers.getSetCookie().join()).toMatch(/bff\.sid=;.*Expires=Thu, 01 Jan 1970/);
    expect((await idp.stats()).revocations).toBe(before.revocations + 1);
    expect((await getSession(bff, cookie)).body).toEqual({ authenticated: false });
    // the emulator's logout endpoint accepts the URL we built
    const idpLogout = await fetch(logoutUrl, { redirect: 'manual' });
    expect(idpLogout.status).toBe(302);
    expect(idpLogout.headers.get('location')).toBe(`${bff.url}/`);
  });
});

describe('cookies', () => {
  it('behind TLS (https PUBLIC_URL) the cookie is __Host-bff.sid with Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const tls = await startBff({ issuer: idp.issuer, env: { PUBLIC_URL: 'https://app.example.com' } });
    try {
      // a TLS-terminating proxy on loopback (trusted by default) tells the API the scheme
      const { port } = tls.server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } });
      const setCookie = res.headers.getSetCookie().join('\n');
      expect(setCookie).toMatch(/^__Host-bff\.sid=s%3A/);
      expect(setCookie).toMatch(/; Secure/);
      expect(setCookie).toMatch(/; HttpOnly/);
      expect(setCookie).toMatch(/; SameSite=Lax/);
      expect(setCookie).toMatch(/; Path=\//);
      expect(setCookie).not.toMatch(/Domain=/i);
      expect(new URL(res.headers.get('location')!).searchParams.get('redirect_uri')).toBe('https://app.example.com/auth/callback');
    } finally {
      await tls.close();
    }
  });

  it('a tampered cookie is anonymous', async () => {
    const { cookie } = await signInAs(bff);
    const value = decodeURIComponent(cookie.split('=')[1]!);
    const tampered = `bff.sid=${encodeURIComponent(value.slice(0, -2) + (value.endsWith('A') ? 'BB' : 'AA'))}`;
    expect((await getSession(bff, tampered)).body).toEqual({ authenticated: false });
    const forgedSid = `bff.sid=${encodeURIComponent('s:' + value.slice(2).split('.')[0] + '.forgedsignature')}`;
    expect((await getSession(bff, forgedSid)).body).toEqual({ authenticated: false });
    expect((await getSession(bff, cookie)).body.authenticated).toBe(true);
  });
});

describe('health', () => {
  it('/healthz and /readyz answer 200 with Redis and the IdP up', async () => {
    expect((await fetch(`${bff.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${bff.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
