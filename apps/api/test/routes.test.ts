import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiRouteInput } from '@app/shared-types';
import { DEFAULT_M2M_CLIENT, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { startDemoUpstream, type DemoUpstream } from '@app/demo-upstream';
import { readSessionId } from '../src/session/cookie.js';
import { signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';

// Issue 9: several upstreams, each with its own token and policy (contract: "the route table").
type Recorder = Awaited<ReturnType<typeof startRecordingUpstream>>;
let idp: SpawnedEmulator;
let orders: Recorder;
let catalog: Recorder;
let things: Recorder;
let stats: DemoUpstream;
let bff: TestBff;
let alice: string; // admins, readers
let bob: string; // readers
const prefix = testPrefix();
const secret = testSecret();

const routes = (): ApiRouteInput[] => [
  { prefix: '/api/things', upstream: things.url, token: 'user' },
  { prefix: '/api/orders', upstream: `${orders.url}/v1`, token: 'user', groups: ['admins', 'staff'] },
  { prefix: '/api/orders/profile', upstream: `${orders.url}/profile`, token: 'user', scopes: ['openid', 'profile'] },
  { prefix: '/api/orders/reports', upstream: `${orders.url}/reports`, token: 'user', scopes: ['reports/read'] },
  { prefix: '/api/catalog', upstream: catalog.url, token: 'user-or-anonymous' },
  { prefix: '/api/stats', upstream: stats.url, token: 'client', scopes: ['stats/read'] },
  { prefix: '/api/public-stats', upstream: stats.url, token: 'client', scopes: ['stats/read'], anonymous: true },
  { prefix: '/api/public', upstream: catalog.url, token: 'none', timeoutMs: 300 },
];

const envFor = () => ({
  API_ROUTES: JSON.stringify(routes()),
  COGNITO_M2M_CLIENT_ID: DEFAULT_M2M_CLIENT.clientId,
  COGNITO_M2M_CLIENT_SECRET: DEFAULT_M2M_CLIENT.clientSecret,
});

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  [orders, catalog, things] = await Promise.all([startRecordingUpstream(), startRecordingUpstream(), startRecordingUpstream()]);
  stats = await startDemoUpstream({ issuer: idp.issuer }); // verifies every token it gets against the pool's JWKS
  bff = await startBff({ issuer: idp.issuer, keyPrefix: prefix, sessionSecret: secret, env: envFor() });
  ({ cookie: alice } = await signInAs(bff, 'alice'));
  ({ cookie: bob } = await signInAs(bff, 'bob'));
});
afterAll(async () => {
  await bff?.close();
  await Promise.all([orders?.close(), catalog?.close(), things?.close(), stats?.stop()]);
  await idp?.stop();
});
beforeEach(() => {
  for (const r of [orders, catalog, things]) r.seen.length = 0;
});

const call = (path: string, cookie?: string, init: RequestInit = {}, target: Pick<TestBff, 'url'> = bff) =>
  fetch(`${target.url}${path}`, { ...init, headers: { ...(cookie ? { cookie, 'x-csrf': '1' } : {}), ...(init.headers as Record<string, string>) } });
const claimsOf = (authorization: string | undefined) =>
  authorization ? (JSON.parse(Buffer.from(authorization.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>) : undefined;
/** Marks the session's access token expired, so the next call refreshes it. */
async function expireAccessToken(cookie: string) {
  const id = readSessionId(cookie, bff.deps.cookieName, secret)!;
  const current = (await bff.deps.tokens.read(id))!;
  await bff.deps.tokens.compareAndSet(id, current.version, { ...current.record, accessTokenExpiresAt: Math.floor(Date.now() / 1000) - 1 });
  return { id, record: current.record };
}
const clientGrants = async () => (await idp.stats()).grants.client_credentials;

describe('matching', () => {
  it('sends each prefix to its own upstream with the rest of the path and the query', async () => {
    expect((await call('/api/things/42?x=1', alice)).status).toBe(200);
    expect((await call('/api/orders/7?y=2', alice)).status).toBe(200);
    expect(things.seen.map((s) => s.url)).toEqual(['/42?x=1']);
    expect(orders.seen.map((s) => s.url)).toEqual(['/v1/7?y=2']);
    expect(claimsOf(things.seen[0]!.headers.authorization)).toMatchObject({ username: 'alice', client_id: 'local-client' });
  });

  it('matches whole segments only, and the longest prefix wins', async () => {
    expect((await call('/api/orders', alice)).status).toBe(200);
    expect((await call('/api/orders/profile/me', alice)).status).toBe(200);
    expect(orders.seen.map((s) => s.url)).toEqual(['/v1', '/profile/me']);
    const notARoute = await call('/api/ordersX', alice);
    expect(notARoute.status).toBe(404);
    expect(await notARoute.json()).toMatchObject({ code: 'not_found' });
    expect((await call('/api', alice)).status).toBe(404);
    expect(orders.seen).toHaveLength(2);
  });
});

describe('groups and scopes', () => {
  it('lets a member of one of the groups through and refuses others with 403 forbidden, upstream untouched', async () => {
    expect((await call('/api/orders/1', alice)).status).toBe(200);
    const refused = await call('/api/orders/1', bob);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ code: 'forbidden', status: 403 });
    expect(orders.seen).toHaveLength(1);
  });

  it("checks every scope of the route against the access token's scopes", async () => {
    expect((await call('/api/orders/profile', bob)).status).toBe(200); // openid and profile: both granted at sign-in
    const refused = await call('/api/orders/reports', alice); // reports/read: never granted to a user
    expect(refused.status).toBe(403);
    expect((await refused.json()) as { detail: string }).toMatchObject({ code: 'forbidden', detail: expect.stringContaining('reports/read') });
    expect(orders.seen.map((s) => s.url)).toEqual(['/profile']);
  });

  it('applies the same policy to a bearer client, from its verified access token', async () => {
    await call('/api/things/who', alice);
    await call('/api/things/who', bob);
    const [aliceToken, bobToken] = things.seen.map((s) => s.headers.authorization!);
    things.seen.length = 0;
    expect((await call('/api/orders/9', undefined, { headers: { authorization: aliceToken! } })).status).toBe(200);
    expect((await call('/api/orders/9', undefined, { headers: { authorization: bobToken! } })).status).toBe(403);
    expect(orders.seen).toHaveLength(1);
    expect(orders.seen[0]!.headers.authorization).toBe(aliceToken);
  });

  it('follows the groups of the tokens in the session: a refresh that brings a new group takes effect at once', async () => {
    const { cookie } = await signInAs(bff, 'bob');
    expect((await call('/api/orders/1', cookie)).status).toBe(403);
    await idp.setGroups('bob', ['readers', 'staff']);
    try {
      await expireAccessToken(cookie);
      const before = (await idp.stats()).grants.refresh_token;
      expect((await call('/api/orders/1', cookie)).status).toBe(200);
      expect((await idp.stats()).grants.refresh_token).toBe(before + 1);
      const session = (await (await fetch(`${bff.url}/session`, { headers: { cookie } })).json()) as { user: { groups: string[] } };
      expect(session.user.groups).toEqual(['readers', 'staff']);
    } finally {
      await idp.setGroups('bob', ['readers']);
    }
  });
});

describe('user-or-anonymous', () => {
  it("sends the user's token with a session and no Authorization at all without one", async () => {
    expect((await call('/api/catalog/items', alice)).status).toBe(200);
    expect((await call('/api/catalog/items')).status).toBe(200);
    expect(claimsOf(catalog.seen[0]!.headers.authorization)).toMatchObject({ username: 'alice' });
    expect(catalog.seen[1]!.headers.authorization).toBeUndefined();
  });

  it('still needs X-CSRF: 1 when the session cookie is sent', async () => {
    const res = await fetch(`${bff.url}/api/catalog/items`, { headers: { cookie: alice } });
    expect(res.status).toBe(403);
    expect(catalog.seen).toHaveLength(0);
  });

  it('treats a session whose refresh token was rejected as anonymous (not 401) and clears its cookie', async () => {
    const { cookie } = await signInAs(bff, 'bob');
    const { id, record } = await expireAccessToken(cookie);
    await bff.deps.oidc.revokeRefreshToken(record.refreshToken!);
    const res = await call('/api/catalog/items', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/bff\.sid=;/);
    expect(catalog.seen[0]!.headers.authorization).toBeUndefined();
    expect(await bff.deps.tokens.read(id)).toBeUndefined();
    // the same session on a `user` route: 401
    expect((await call('/api/things/x', cookie)).status).toBe(401);
  });
});

describe('client routes', () => {
  it("send the BFF's own client_credentials token, cached: a second call asks the IdP for nothing", async () => {
    const before = await clientGrants();
    const first = await call('/api/stats/hello', alice);
    expect(first.status).toBe(200);
    const body = (await first.json()) as { claims: Record<string, unknown> };
    expect(body.claims).toMatchObject({ sub: DEFAULT_M2M_CLIENT.clientId, client_id: DEFAULT_M2M_CLIENT.clientId, scope: 'stats/read', token_use: 'access' });
    expect((await call('/api/stats/hello', bob)).status).toBe(200);
    expect(await clientGrants()).toBe(before + 1);
  });

  it('still need a signed-in caller unless the route is anonymous', async () => {
    expect((await call('/api/stats/hello')).status).toBe(401);
    const open = await call('/api/public-stats/hello');
    expect(open.status).toBe(200);
    expect(((await open.json()) as { claims: { client_id: string } }).claims.client_id).toBe(DEFAULT_M2M_CLIENT.clientId);
  });

  it('cost exactly one token request for a burst of 100 calls on two instances with an empty cache', async () => {
    const burstPrefix = testPrefix();
    const one = await startBff({ issuer: idp.issuer, keyPrefix: burstPrefix, sessionSecret: secret, env: envFor() });
    const two = await startBff({ issuer: idp.issuer, keyPrefix: burstPrefix, sessionSecret: secret, env: envFor() });
    try {
      const before = await clientGrants();
      const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => call('/api/public-stats/hello', undefined, {}, i % 2 ? one : two)));
      expect(answers.map((r) => r.status)).toEqual(Array(100).fill(200));
      expect(await clientGrants()).toBe(before + 1);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe('none routes', () => {
  it('send no Authorization even when the caller has one, and use the route timeout', async () => {
    const res = await call('/api/public/x', alice);
    expect(res.status).toBe(200);
    expect(catalog.seen[0]!.headers.authorization).toBeUndefined();
    expect(catalog.seen[0]!.headers.cookie).toBeUndefined();
    const started = Date.now();
    const slow = await call('/api/public/slow?ms=2000');
    expect(slow.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
