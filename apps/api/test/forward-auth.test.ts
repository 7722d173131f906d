import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_USERS, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, type TestBff } from './support/bff.js';
import { startNginx, type TestNginx } from './support/nginx.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { recordOf, sidOf, tokensFor } from './support/tokens.js';

// Issue 10 (contract: "Forward auth for an existing proxy"): GET /auth/check, on its own and
// behind a real nginx running the shipped deploy/nginx/forward-auth.conf. Issue 19: it is served on
// the internal listener only, and its X-Auth-Request-* headers cannot be forged past it.
const SHIPPED_CONF = fileURLToPath(new URL('../../../deploy/nginx/forward-auth.conf', import.meta.url));

let idp: SpawnedEmulator;
let app: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
let nginx: TestNginx | undefined;
let alice: string;

/** A user whose email the IdP has not verified: their address is anyone's claim. */
const CAROL = { sub: '5c1e7a2b-0d3f-4e6a-9b8c-7d2e1f0a3b64', username: 'carol', password: 'Passw0rd!', email: 'ceo@example.com', emailVerified: false, groups: [] };

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, users: [...DEFAULT_USERS, CAROL] });
  app = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), internal: true });
  ({ cookie: alice } = await signInAs(bff, 'alice'));
  const shipped = await readFile(SHIPPED_CONF, 'utf8');
  const bffPort = new URL(bff.url).port;
  const internalPort = new URL(bff.internalUrl!).port;
  const appPort = new URL(app.url).port;
  nginx = await startNginx((port) => {
    const conf = shipped
      .replace('listen 8000;', `listen 127.0.0.1:${port};`)
      .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${bffPort};`)
      .replace('server 127.0.0.1:9090;', `server 127.0.0.1:${internalPort};`)
      .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${appPort};`);
    if (/:(3000|9090|8080);|listen 8000/.test(conf)) throw new Error('the shipped nginx example changed shape');
    return conf;
  });
});
afterAll(async () => {
  if (nginx) {
    const log = await nginx.errorLog();
    if (/\[(emerg|alert|crit)\]/.test(log)) console.error(log);
    await nginx.stop();
  }
  await bff?.close();
  await app?.close();
  await idp?.stop();
});
beforeEach(() => {
  app.seen.length = 0;
});

const claimsOf = (authorization: string | null | undefined) =>
  JSON.parse(Buffer.from((authorization ?? '').replace(/^Bearer /, '').split('.')[1] ?? '', 'base64url').toString() || '{}') as Record<string, unknown>;
const check = (headers: Record<string, string> = {}, method = 'GET') => fetch(`${bff.internalUrl}/auth/check`, { method, headers, redirect: 'manual' });
/** Marks the session's access token expired, so the next use refreshes it; returns the token it had. */
async function expireAccessToken(cookie: string): Promise<string> {
  const { version, record } = await recordOf(bff, cookie);
  const sid = sidOf(bff, cookie);
  await bff.deps.tokens.compareAndSet(sid, version, { ...record, accessTokenExpiresAt: Math.floor(Date.now() / 1000) - 1 });
  return record.accessToken;
}
const refreshGrants = async () => (await idp.stats()).grants.refresh_token;

describe('GET /auth/check', () => {
  it('answers a signed-in browser 200 with an empty body, its access token and the X-Auth-Request-* headers', async () => {
    const res = await check({ cookie: alice });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { record } = await recordOf(bff, alice);
    expect(res.headers.get('authorization')).toBe(`Bearer ${record.accessToken}`);
    expect(claimsOf(res.headers.get('authorization'))).toMatchObject({ username: 'alice', token_use: 'access' });
    expect(res.headers.get('x-auth-request-user')).toBe('alice');
    expect(res.headers.get('x-auth-request-email')).toBe('alice@example.com');
    expect(res.headers.get('x-auth-request-groups')).toBe('admins,readers');
  });

  it('answers 401 problem+json without a session, never a redirect', async () => {
    for (const headers of [{}, { cookie: 'bff.sid=s%3Anot-a-session.sig' }] as Record<string, string>[]) {
      const res = await check(headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('authorization')).toBeNull();
      expect(await res.json()).toMatchObject({ code: 'unauthenticated', status: 401 });
    }
  });

  it('needs X-CSRF: 1 when the original method is unsafe, from X-Forwarded-Method, X-Original-Method or its own; a safe one never hides an unsafe one', async () => {
    for (const [headers, method] of [
      [{ 'x-forwarded-method': 'POST' }, 'GET'],
      [{ 'x-original-method': 'delete' }, 'GET'],
      [{}, 'PUT'], // Envoy's ext_authz sends the original method itself
      [{ 'x-forwarded-method': 'PATCH', 'x-original-method': 'GET' }, 'GET'], // an unsafe one wins, whichever names it
      // ingress-nginx sets only X-Original-Method and passes the client's X-Forwarded-Method through
      [{ 'x-forwarded-method': 'GET', 'x-original-method': 'POST' }, 'GET'],
      [{ 'x-forwarded-method': 'GET' }, 'POST'], // the check's own method counts too
    ] as const) {
      const refused = await check({ cookie: alice, ...headers }, method);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ code: 'csrf_header_missing' });
      expect((await check({ cookie: alice, 'x-csrf': '1', ...headers }, method)).status).toBe(200);
    }
    for (const safe of ['GET', 'HEAD', 'OPTIONS']) expect((await check({ cookie: alice, 'x-forwarded-method': safe })).status).toBe(200);
  });

  it('refreshes an expiring access token first, exactly as /api/* would, and answers with the new one', async () => {
    const { cookie } = await signInAs(bff, 'bob');
    const old = await expireAccessToken(cookie);
    const before = await refreshGrants();
    const res = await check({ cookie });
    expect(res.status).toBe(200);
    expect(await refreshGrants()).toBe(before + 1);
    const fresh = (await recordOf(bff, cookie)).record.accessToken;
    expect(fresh).not.toBe(old);
    expect(res.headers.get('authorization')).toBe(`Bearer ${fresh}`);
    expect(res.headers.get('x-auth-request-groups')).toBe('readers');
  });

  it('is not served on the public port (404, no token), only on the internal listener', async () => {
    for (const path of ['/auth/check', '/auth/check/app/orders']) {
      const res = await fetch(`${bff.url}${path}`, { headers: { cookie: alice } });
      expect(res.status).toBe(404);
      expect(res.headers.get('authorization')).toBeNull();
      expect(await res.text()).not.toContain('eyJ');
    }
    expect((await check({ cookie: alice })).status).toBe(200);
  });

  it('always sends all three X-Auth-Request-* headers, empty when unknown, and an email only when verified', async () => {
    const { access_token } = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'bob');
    const bearer = await check({ authorization: `Bearer ${access_token}` }); // access tokens carry no email
    expect(bearer.status).toBe(200);
    expect(bearer.headers.get('x-auth-request-email')).toBe('');
    const { cookie } = await signInAs(bff, 'carol');
    const unverified = await check({ cookie });
    expect(unverified.status).toBe(200);
    expect(unverified.headers.get('x-auth-request-user')).toBe('carol');
    expect(unverified.headers.get('x-auth-request-email')).toBe(''); // ceo@example.com was never verified
    expect(unverified.headers.get('x-auth-request-groups')).toBe('');
  });

  it('accepts a verified bearer token (answered back as is) and refuses an invalid one with 401 invalid_token', async () => {
    const { access_token } = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'bob');
    const ok = await check({ authorization: `Bearer ${access_token}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('authorization')).toBe(`Bearer ${access_token}`);
    expect(ok.headers.get('x-auth-request-user')).toBe('bob');
    const bad = await check({ authorization: `Bearer ${access_token.slice(0, -4)}AAAA` });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ code: 'invalid_token' });
  });
});

describe('behind a real nginx (auth_request, deploy/nginx/forward-auth.conf)', () => {
  const viaNginx = (path: string, init: RequestInit = {}) => fetch(`${nginx!.url}${path}`, { redirect: 'manual', ...init });

  it('lets a browser with the session cookie through to the service, which sees the token and user headers but no cookie', async () => {
    const res = await viaNginx('/app/orders?x=1', { headers: { cookie: `${alice}; theme=dark` } });
    expect(res.status).toBe(200);
    expect(app.seen).toHaveLength(1);
    const seen = app.seen[0]!;
    expect(seen.url).toBe('/app/orders?x=1');
    const { record } = await recordOf(bff, alice);
    expect(seen.headers.authorization).toBe(`Bearer ${record.accessToken}`);
    expect(seen.headers['x-auth-request-user']).toBe('alice');
    expect(seen.headers['x-auth-request-email']).toBe('alice@example.com');
    expect(seen.headers['x-auth-request-groups']).toBe('admins,readers');
    expect(seen.headers.cookie).toBeUndefined();
  });

  it('answers 401 without a session and never calls the service', async () => {
    const res = await viaNginx('/app/orders');
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(app.seen).toHaveLength(0);
  });

  it('refuses an unsafe method without X-CSRF: 1 (also with a spoofed X-Forwarded-Method) and lets it through with it', async () => {
    const post = (headers: Record<string, string>) => viaNginx('/app/orders', { method: 'POST', headers: { cookie: alice, 'content-type': 'application/json', ...headers }, body: '{"item":1}' });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-forwarded-method': 'GET', 'x-original-method': 'GET' })).status).toBe(403);
    expect(app.seen).toHaveLength(0);
    const ok = await post({ 'x-csrf': '1' });
    expect(ok.status).toBe(200);
    expect(app.seen).toHaveLength(1);
    expect(app.seen[0]!.method).toBe('POST');
    expect(app.seen[0]!.headers['x-csrf']).toBeUndefined();
  });

  it('hands the service a freshly refreshed token when the session token had expired', async () => {
    const { cookie } = await signInAs(bff, 'bob');
    const old = await expireAccessToken(cookie);
    const before = await refreshGrants();
    expect((await viaNginx('/app/x', { headers: { cookie } })).status).toBe(200);
    expect(await refreshGrants()).toBe(before + 1);
    const sent = app.seen[0]!.headers.authorization;
    expect(sent).not.toBe(`Bearer ${old}`);
    expect(sent).toBe(`Bearer ${(await recordOf(bff, cookie)).record.accessToken}`);
    expect(claimsOf(sent).exp).toBeGreaterThan(Date.now() / 1000);
  });

  it("overwrites a client's forged X-Auth-Request-* and original-request headers before the service sees them", async () => {
    const forged = { 'x-auth-request-user': 'admin', 'x-auth-request-email': 'ceo@example.com', 'x-auth-request-groups': 'admins', 'x-original-uri': '/x', 'x-forwarded-uri': '/x' };
    const { cookie } = await signInAs(bff, 'carol');
    expect((await viaNginx('/app/orders', { headers: { cookie, ...forged } })).status).toBe(200);
    const { access_token } = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'bob');
    expect((await viaNginx('/app/orders', { headers: { authorization: `Bearer ${access_token}`, ...forged } })).status).toBe(200);
    expect(app.seen).toHaveLength(2);
    const [carol, bob] = app.seen;
    expect(carol!.headers).toMatchObject({ 'x-auth-request-user': 'carol' });
    expect(bob!.headers).toMatchObject({ 'x-auth-request-user': 'bob', 'x-auth-request-groups': 'readers' });
    for (const seen of [carol!, bob!]) {
      expect(seen.headers['x-auth-request-email'] ?? '').toBe('');
      expect(seen.headers['x-original-uri']).toBeUndefined();
      expect(seen.headers['x-forwarded-uri']).toBeUndefined();
    }
    expect(carol!.headers['x-auth-request-groups'] ?? '').toBe('');
  });

  it('does not let a client reach /auth/check through the public routes', async () => {
    const res = await viaNginx('/auth/check', { headers: { cookie: alice } });
    expect(res.status).toBe(404);
    expect(res.headers.get('authorization')).toBeNull();
  });

  it("serves the BFF's own routes on the same origin (sign-in state through nginx)", async () => {
    const res = await viaNginx('/session', { headers: { cookie: alice } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ authenticated: true, user: { username: 'alice' } });
  });
});
