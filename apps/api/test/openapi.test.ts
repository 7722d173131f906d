import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { loadConfig } from '../src/config/config.js';
import { buildOpenApiDocument, renderOpenApiFile } from '../src/endpoints/openapi.js';
import { sessionResponseSchema } from '../src/endpoints/schemas.js';
import { sessionCookieFrom, signInAs, startBff, type TestBff } from './support/bff.js';
import { responseValidator } from './support/openapi-validator.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { tokensFor } from './support/tokens.js';

const DOC_FILE = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));
const doc = buildOpenApiDocument();

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (official schema)', async () => {
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes every route of the contract, /api/{path} for any method with the cookie+X-CSRF or the bearer scheme', () => {
    const paths = doc.paths as Record<string, Record<string, { security?: unknown; parameters?: { name: string }[] }>>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/auth/login', '/auth/callback', '/auth/logout', '/session', '/sessions', '/sessions/{id}', '/api/{path}', '/healthz', '/readyz', '/metrics', '/openapi.json']),
    );
    expect(paths['/auth/login']!.get!.parameters!.map((p) => p.name)).toContain('returnTo');
    expect(paths['/auth/logout']!.post!.parameters!.map((p) => p.name)).toContain('X-CSRF');
    expect(Object.keys(paths['/api/{path}']!).sort()).toEqual(['delete', 'get', 'head', 'options', 'patch', 'post', 'put']);
    for (const op of Object.values(paths['/api/{path}']!)) {
      expect(op.security).toEqual([{ sessionCookie: [], csrfHeader: [] }, { bearerToken: [] }]);
    }
  });

  it('describes each route of a configured route table with its policy, never its upstream address', async () => {
    const routes = loadConfig({
      API_ROUTES: JSON.stringify([
        { prefix: '/api/orders', upstream: 'http://orders.internal:8080/v1', groups: ['staff'] },
        { prefix: '/api/catalog', upstream: 'http://catalog.internal', token: 'user-or-anonymous' },
        { prefix: '/api/stats', upstream: 'http://stats.internal', token: 'client', scopes: ['stats/read'], anonymous: true },
      ]),
      COGNITO_M2M_CLIENT_ID: 'm2m',
      COGNITO_M2M_CLIENT_SECRET: 'm2m-secret',
    }).routes;
    const configured = buildOpenApiDocument({ routes });
    expect((await new Validator().validate(structuredClone(configured))).valid).toBe(true);
    const paths = configured.paths as Record<string, Record<string, { security: unknown[]; description: string; responses: Record<string, unknown> }>>;
    expect(Object.keys(paths).filter((p) => p.startsWith('/api'))).toEqual(['/api/orders/{path}', '/api/catalog/{path}', '/api/stats/{path}']);
    expect(paths['/api/orders/{path}']!.get!.description).toContain('`staff`');
    expect(paths['/api/orders/{path}']!.get!.responses['403']).toBeDefined();
    expect(paths['/api/catalog/{path}']!.get!.security).toContainEqual({});
    expect(paths['/api/stats/{path}']!.get!.security).toEqual([{}]);
    expect(JSON.stringify(configured)).not.toMatch(/\.internal/);
  });

  it('takes its component schemas from the zod schemas (no hand-written copy)', () => {
    const schemas = (doc.components as { schemas: Record<string, { oneOf?: unknown[] }> }).schemas;
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['SessionResponse', 'ProblemDetails', 'ErrorCode', 'LogoutResponse', 'HealthResponse', 'ReadyResponse']));
    expect(schemas.SessionResponse!.oneOf).toHaveLength(sessionResponseSchema.options.length);
  });

  it('docs/openapi.json is up to date (run `npm run openapi -w apps/api` after changing the API)', () => {
    expect(readFileSync(DOC_FILE, 'utf8')).toBe(renderOpenApiFile());
  });

  it('rejects a /session body that leaks a token or misses a field (the validator is not vacuous)', () => {
    const v = responseValidator(doc);
    const good = { authenticated: true, user: { sub: 's', groups: [] }, accessTokenExpiresAt: 1, sessionExpiresAt: 2 };
    expect(v.check('/session', 'get', 200, 'application/json', good).errors).toBeNull();
    expect(v.check('/session', 'get', 200, 'application/json', { ...good, accessToken: 'eyJ…' }).errors).not.toBeNull();
    expect(v.check('/session', 'get', 200, 'application/json', { authenticated: true }).errors).not.toBeNull();
    expect(v.check('/api/{path}', 'get', 401, 'application/problem+json', { type: 'https://x/y', title: 't', status: 401, code: 'upstream_timeout' }).errors).not.toBeNull();
  });
});

describe('real responses of a running BFF match the document', () => {
  let idp: SpawnedEmulator;
  let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
  let bff: TestBff;
  let v: ReturnType<typeof responseValidator>;

  beforeAll(async () => {
    idp = await spawnEmulator({ port: 0 });
    upstream = await startRecordingUpstream();
    bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url });
    // validate against what the BFF itself serves, so the served document is what gets tested
    const served = await fetch(`${bff.url}/openapi.json`);
    expect(served.status).toBe(200);
    v = responseValidator((await served.json()) as Record<string, unknown>);
  });
  afterAll(async () => {
    await bff?.close();
    await upstream?.close();
    await idp?.stop();
  });

  /** Fetches, parses and validates one response; returns it for further assertions. */
  async function expectDocumented(path: string, method: string, url: string, init: RequestInit = {}) {
    const res = await fetch(`${bff.url}${url}`, { ...init, method: method.toUpperCase(), redirect: 'manual' });
    const contentType = res.headers.get('content-type') ?? '';
    const body = contentType.includes('json') ? await res.json() : await res.text();
    const { errors, pointer } = v.check(path, method, res.status, contentType, body);
    expect(errors, `${method.toUpperCase()} ${url} → ${res.status} against ${pointer}: ${JSON.stringify(body)}`).toBeNull();
    return { res, body };
  }

  it('serves the same document as the code builds, with this deployment\'s cookie name', async () => {
    const served = await (await fetch(`${bff.url}/openapi.json`)).json();
    expect(served).toEqual(buildOpenApiDocument({ cookieName: bff.deps.cookieName }));
  });

  it('GET /session signed out and signed in', async () => {
    const out = await expectDocumented('/session', 'get', '/session');
    expect(out.body).toEqual({ authenticated: false });
    const { cookie } = await signInAs(bff);
    const signedIn = await expectDocumented('/session', 'get', '/session', { headers: { cookie } });
    expect(signedIn.body).toMatchObject({ authenticated: true });
    expect(sessionResponseSchema.parse(signedIn.body)).toEqual(signedIn.body);
  });

  it('GET /sessions and DELETE /sessions/{id}', async () => {
    const anonymous = await expectDocumented('/sessions', 'get', '/sessions');
    expect(anonymous.res.status).toBe(401);
    const { cookie } = await signInAs(bff);
    const list = await expectDocumented('/sessions', 'get', '/sessions', { headers: { cookie } });
    expect(list.res.status).toBe(200);
    const unknown = await expectDocumented('/sessions/{id}', 'delete', '/sessions/not-a-handle', { headers: { cookie, 'x-csrf': '1' } });
    expect(unknown.res.status).toBe(404);
    const noCsrf = await expectDocumented('/sessions/{id}', 'delete', '/sessions/not-a-handle', { headers: { cookie } });
    expect(noCsrf.res.status).toBe(403);
  });

  it('problem+json 401 and 403 from /api, and a proxied 200', async () => {
    const none = await expectDocumented('/api/{path}', 'get', '/api/hello');
    expect(none.res.status).toBe(401);
    expect(none.res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({ code: 'unauthenticated' });

    const badBearer = await expectDocumented('/api/{path}', 'post', '/api/hello', { headers: { authorization: 'Bearer not-a-jwt' } });
    expect(badBearer.body).toMatchObject({ status: 401, code: 'invalid_token' });

    const { cookie } = await signInAs(bff);
    const noCsrf = await expectDocumented('/api/{path}', 'get', '/api/hello', { headers: { cookie } });
    expect(noCsrf.body).toMatchObject({ status: 403, code: 'csrf_header_missing' });

    const tokens = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' });
    const ok = await expectDocumented('/api/{path}', 'get', '/api/hello', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(ok.res.status).toBe(200);
  });

  it('POST /auth/logout: 200 with the logout URL, and 403 without X-CSRF', async () => {
    const { cookie } = await signInAs(bff);
    const refused = await expectDocumented('/auth/logout', 'post', '/auth/logout', { headers: { cookie } });
    expect(refused.res.status).toBe(403);
    const done = await expectDocumented('/auth/logout', 'post', '/auth/logout', { headers: { cookie, 'x-csrf': '1' } });
    expect(done.res.status).toBe(200);
    expect(v.headers('/auth/logout', 'post', 200)).toEqual(expect.arrayContaining(['set-cookie', 'cache-control']));
  });

  it('/auth/login and /auth/callback redirect as documented', async () => {
    const login = await fetch(`${bff.url}/auth/login?returnTo=/x`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(v.headers('/auth/login', 'get', 302)).toContain('location');
    const callbackUrl = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
    const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: sessionCookieFrom(login)! } });
    expect(callback.status).toBe(302);
    expect(v.headers('/auth/callback', 'get', 302)).toEqual(expect.arrayContaining(['location', 'set-cookie']));
  });

  it('GET /healthz, /readyz and /metrics', async () => {
    expect((await expectDocumented('/healthz', 'get', '/healthz')).res.status).toBe(200);
    expect((await expectDocumented('/readyz', 'get', '/readyz')).res.status).toBe(200);
    const metrics = await expectDocumented('/metrics', 'get', '/metrics');
    expect(metrics.res.status).toBe(200);
    expect(metrics.res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
