import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DEV_EMULATOR_ISSUER, DEV_UPSTREAM_URL, loadConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('in development, defaults to the local emulator, a random secret and port 3000', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.cognito.issuer).toBe(DEV_EMULATOR_ISSUER);
    expect(c.sessionSecretGenerated).toBe(true);
    expect(c.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(c.refreshSkewSeconds).toBe(60);
    expect(c.upstreamTimeoutMs).toBe(30_000);
    expect(c.cognito.scopes).toBe('openid email profile');
  });

  it('lists every missing or invalid variable in one error', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      PORT: 'eighty',
      REDIS_URL: 'http://not-redis',
      SESSION_SECRET: 'short',
      UPSTREAM_TIMEOUT_MS: '-1',
    });
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/REDIS_URL/);
    expect(problems.join('\n')).toMatch(/SESSION_SECRET/);
    expect(problems.join('\n')).toMatch(/UPSTREAM_TIMEOUT_MS/);
    expect(problems.length).toBeGreaterThanOrEqual(4);
  });

  it('requires the secret, issuer, client and upstream in production, all reported together', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SESSION_SECRET/),
        expect.stringMatching(/^COGNITO_ISSUER/),
        expect.stringMatching(/^COGNITO_CLIENT_ID/),
        expect.stringMatching(/^API_UPSTREAM_URL/),
      ]),
    );
  });

  it('accepts an http:// issuer only on a loopback host', () => {
    expect(problemsOf({ COGNITO_ISSUER: 'http://idp.example.com/pool', COGNITO_CLIENT_ID: 'x' })).toEqual([
      expect.stringMatching(/COGNITO_ISSUER: must use https/),
    ]);
    for (const host of ['localhost:4010', '127.0.0.1:4010', '[::1]:4010']) {
      expect(loadConfig({ COGNITO_ISSUER: `http://${host}/p`, COGNITO_CLIENT_ID: 'x' }).cognito.issuer).toBe(`http://${host}/p`);
    }
  });

  it('derives Secure cookies from an https PUBLIC_URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://app.example.com' }).secureCookies).toBe(true);
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:5173' }).secureCookies).toBe(false);
  });

  it('defaults to an 8-hour idle timeout and a 30-day refresh token, and validates both', () => {
    const c = loadConfig({});
    expect(c.sessionIdleTimeoutSeconds).toBe(28_800);
    expect(c.refreshTokenTtlSeconds).toBe(2_592_000);
    expect(c.sessionTtlSeconds).toBe(86_400);
    expect(problemsOf({ SESSION_IDLE_TIMEOUT_SECONDS: '0', REFRESH_TOKEN_TTL_SECONDS: 'soon' })).toEqual([
      expect.stringMatching(/^SESSION_IDLE_TIMEOUT_SECONDS/),
      expect.stringMatching(/^REFRESH_TOKEN_TTL_SECONDS/),
    ]);
  });

  it('refuses a PUBLIC_URL with a path', () => {
    expect(problemsOf({ PUBLIC_URL: 'https://app.example.com/app' })).toEqual([expect.stringMatching(/PUBLIC_URL/)]);
  });

  it('reads TRUST_PROXY as Express does: booleans, hop counts, or addresses', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({}).trustProxy).toBe('loopback');
  });
});

describe('client-side cache', () => {
  it('is on by default with 4096 entries, off when asked, and sized by REDIS_CLIENT_CACHE_MAX_ENTRIES', () => {
    expect(loadConfig({}).redisClientCache).toEqual({ maxEntries: 4096 });
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).redisClientCache).toEqual({ maxEntries: 4096 });
    expect(loadConfig({ REDIS_CLIENT_CACHE: 'off' }).redisClientCache).toBeUndefined();
    expect(loadConfig({ REDIS_CLIENT_CACHE: 'on' }).redisClientCache).toEqual({ maxEntries: 4096 });
    expect(loadConfig({ REDIS_CLIENT_CACHE: 'on', REDIS_CLIENT_CACHE_MAX_ENTRIES: '100' }).redisClientCache).toEqual({ maxEntries: 100 });
    expect(loadConfig({ REDIS_CLUSTER_NODES: '127.0.0.1:7000', REDIS_CLIENT_CACHE: 'on' }).redisClientCache).toEqual({ maxEntries: 4096 });
  });

  it('is off by default under Sentinel, and refused there when asked for', () => {
    const sentinel = { REDIS_SENTINEL_NODES: '127.0.0.1:26379', REDIS_SENTINEL_MASTER: 'bff' };
    expect(loadConfig(sentinel).redisClientCache).toBeUndefined();
    expect(problemsOf({ ...sentinel, REDIS_CLIENT_CACHE: 'on' })).toEqual([expect.stringMatching(/^REDIS_CLIENT_CACHE: not supported with REDIS_SENTINEL_NODES/)]);
    expect(problemsOf({ REDIS_CLIENT_CACHE: 'maybe', REDIS_CLIENT_CACHE_MAX_ENTRIES: '0' })).toHaveLength(2);
  });
});

describe('route table', () => {
  const routes = (table: unknown) => ({ API_ROUTES: JSON.stringify(table) });
  const dir = mkdtempSync(join(tmpdir(), 'bff-routes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without a table, is one /api route to API_UPSTREAM_URL, as before', () => {
    const c = loadConfig({ API_UPSTREAM_URL: 'http://up.example:8080/base/', UPSTREAM_TIMEOUT_MS: '1234' });
    expect(c.routes).toEqual([{ prefix: '/api', upstream: 'http://up.example:8080/base', token: 'user', anonymous: false, websocket: false, timeoutMs: 1234 }]);
    expect(c.upstreamUrl).toBe('http://up.example:8080/base');
    expect(loadConfig({}).routes[0]?.upstream).toBe(DEV_UPSTREAM_URL);
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual(expect.arrayContaining([expect.stringMatching(/^API_UPSTREAM_URL: required/)]));
  });

  it('turns WebSockets on for the /api route with API_WEBSOCKET=true, and refuses it next to a table', () => {
    expect(loadConfig({ API_WEBSOCKET: 'true' }).routes[0]).toMatchObject({ prefix: '/api', websocket: true });
    expect(loadConfig({ API_WEBSOCKET: 'false' }).routes[0]).toMatchObject({ websocket: false });
    expect(problemsOf({ API_WEBSOCKET: 'yes' })).toEqual([expect.stringMatching(/^API_WEBSOCKET: /)]);
    expect(problemsOf({ API_WEBSOCKET: 'true', ...routes([{ prefix: '/api', upstream: 'http://a' }]) })).toEqual([expect.stringMatching(/^API_WEBSOCKET: only without a route table/)]);
  });

  it('reads API_ROUTES, applies the defaults, fills timeoutMs and freezes everything', () => {
    const c = loadConfig({
      UPSTREAM_TIMEOUT_MS: '7000',
      ...routes([
        { prefix: '/api/orders', upstream: 'http://orders.internal:8080/v1/', groups: ['staff'] },
        { prefix: '/api/stats', upstream: 'https://stats.internal', token: 'client', scopes: ['stats/read'], anonymous: true, timeoutMs: 500, websocket: true },
      ]),
    });
    expect(c.routes).toEqual([
      { prefix: '/api/orders', upstream: 'http://orders.internal:8080/v1', token: 'user', groups: ['staff'], anonymous: false, websocket: false, timeoutMs: 7000 },
      { prefix: '/api/stats', upstream: 'https://stats.internal', token: 'client', scopes: ['stats/read'], anonymous: true, websocket: true, timeoutMs: 500 },
    ]);
    expect(Object.isFrozen(c.routes)).toBe(true);
    expect(Object.isFrozen(c.routes[0])).toBe(true);
    expect(Object.isFrozen(c.routes[0]?.groups)).toBe(true);
    expect(() => (c.routes as unknown[]).push({})).toThrow();
  });

  it('with a table, needs no API_UPSTREAM_URL, even in production', () => {
    const env = { NODE_ENV: 'production', SESSION_SECRET: 's'.repeat(32), COGNITO_ISSUER: 'https://idp.example.com/p', COGNITO_CLIENT_ID: 'c', PUBLIC_URL: 'https://app.example.com' };
    expect(problemsOf({ ...env, ...routes([{ prefix: '/api', upstream: 'http://a.internal' }]) })).toEqual([]);
    expect(loadConfig({ ...env, ...routes([{ prefix: '/api', upstream: 'http://a.internal' }]) }).upstreamUrl).toBe('http://a.internal');
  });

  it('reads API_ROUTES_FILE, and reports an unreadable file, invalid JSON and both variables set', () => {
    const file = join(dir, 'routes.json');
    writeFileSync(file, JSON.stringify([{ prefix: '/api/a', upstream: 'http://a.internal' }]));
    expect(loadConfig({ API_ROUTES_FILE: file }).routes.map((r) => r.prefix)).toEqual(['/api/a']);
    expect(problemsOf({ API_ROUTES_FILE: join(dir, 'missing.json') })).toEqual([expect.stringMatching(/^API_ROUTES_FILE: cannot read .*missing\.json \(ENOENT\)$/)]);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '[{"prefix": ');
    expect(problemsOf({ API_ROUTES_FILE: broken })).toEqual([expect.stringMatching(/^API_ROUTES_FILE: not valid JSON/)]);
    expect(problemsOf({ API_ROUTES: '[{prefix:' })).toEqual([expect.stringMatching(/^API_ROUTES: not valid JSON/)]);
    expect(problemsOf({ API_ROUTES: '[]', API_ROUTES_FILE: file })).toEqual([expect.stringMatching(/^API_ROUTES_FILE: set either/)]);
    expect(problemsOf({ API_ROUTES: '[]' })).toEqual(['API_ROUTES: must be a non-empty JSON array of routes']);
    expect(problemsOf({ API_ROUTES: '{"prefix": "/api"}' })).toEqual(['API_ROUTES: must be a non-empty JSON array of routes']);
  });

  it('lists every problem of every route by index and field, in one error', () => {
    const problems = problemsOf(
      routes([
        { prefix: '/api/ok', upstream: 'http://ok.internal' },
        { prefix: '/api/a', upstream: 'orders.internal/v1', token: 'bogus', extra: 1 },
        { prefix: '/api/b', upstream: 'http://b.internal', token: 'bogus' },
        'not a route',
        { prefix: '/api/OK', upstream: 'http://ok2.internal' },
      ]),
    );
    expect(problems).toEqual([
      'API_ROUTES[1].upstream: must be an absolute http:// or https:// URL',
      'API_ROUTES[1].token: must be one of user, user-or-anonymous, client, none',
      expect.stringMatching(/^API_ROUTES\[1\]\.extra: unknown field/),
      'API_ROUTES[2].token: must be one of user, user-or-anonymous, client, none',
      'API_ROUTES[3]: must be an object',
      'API_ROUTES[4].prefix: duplicates the prefix of route [0] (prefixes match case-insensitively)',
    ]);
  });

  it.each([
    [{ prefix: '/apix', upstream: 'http://h' }, 'prefix', /must be \/api or a path under/],
    [{ prefix: '/other', upstream: 'http://h' }, 'prefix', /must be \/api or a path under/],
    [{ prefix: 'api/x', upstream: 'http://h' }, 'prefix', /must be \/api or a path under/],
    [{ prefix: '/api/x/', upstream: 'http://h' }, 'prefix', /trailing|end with a slash/],
    [{ prefix: '/api//x', upstream: 'http://h' }, 'prefix', /empty segment/],
    [{ prefix: '/api/../admin', upstream: 'http://h' }, 'prefix', /\.\. segments/],
    [{ prefix: '/api/./x', upstream: 'http://h' }, 'prefix', /\.\. segments/],
    [{ prefix: '/api/x%2f', upstream: 'http://h' }, 'prefix', /may only contain/],
    // an upstream reads these away, so the prefix would collide with its shorter reading (issue 19)
    [{ prefix: '/api/admin;x', upstream: 'http://h' }, 'prefix', /upstreams read them away/],
    [{ prefix: '/api/admin.', upstream: 'http://h' }, 'prefix', /upstreams read them away/],
    [{ upstream: 'http://h' }, 'prefix', /required/],
    [{ prefix: '/api/x' }, 'upstream', /required/],
    [{ prefix: '/api/x', upstream: '/relative' }, 'upstream', /absolute http/],
    [{ prefix: '/api/x', upstream: 'ftp://h' }, 'upstream', /absolute http/],
    [{ prefix: '/api/x', upstream: 'http://h/v1?x=1' }, 'upstream', /query or fragment/],
    [{ prefix: '/api/x', upstream: 'http://h/v1?' }, 'upstream', /query or fragment/],
    [{ prefix: '/api/x', upstream: 'http://h/v1#f' }, 'upstream', /query or fragment/],
    [{ prefix: '/api/x', upstream: 'http://user:pw@h/' }, 'upstream', /credentials/],
    [{ prefix: '/api/x', upstream: 'http://h', token: 'none', scopes: ['a/b'] }, 'scopes', /"none" route/],
    [{ prefix: '/api/x', upstream: 'http://h', token: 'user-or-anonymous', scopes: ['a/b'] }, 'scopes', /anonymous callers/],
    [{ prefix: '/api/x', upstream: 'http://h', token: 'client' }, 'scopes', /required on a "client" route/],
    [{ prefix: '/api/x', upstream: 'http://h', token: 'client', scopes: [] }, 'scopes', /at least one/],
    [{ prefix: '/api/x', upstream: 'http://h', scopes: ['two words'] }, 'scopes[0]', /without spaces/],
    [{ prefix: '/api/x', upstream: 'http://h', token: 'none', groups: ['g'] }, 'groups', /"none" route/],
    [{ prefix: '/api/x', upstream: 'http://h', token: 'user-or-anonymous', groups: ['g'] }, 'groups', /anonymous callers/],
    [{ prefix: '/api/x', upstream: 'http://h', token: 'client', scopes: ['a/b'], anonymous: true, groups: ['g'] }, 'groups', /anonymous "client" route/],
    [{ prefix: '/api/x', upstream: 'http://h', groups: 'staff' }, 'groups', /array of groups/],
    [{ prefix: '/api/x', upstream: 'http://h', anonymous: true }, 'anonymous', /only "client" routes/],
    [{ prefix: '/api/x', upstream: 'http://h', anonymous: 'yes' }, 'anonymous', /true or false/],
    [{ prefix: '/api/x', upstream: 'http://h', timeoutMs: 0 }, 'timeoutMs', /between 1 and 600000/],
    [{ prefix: '/api/x', upstream: 'http://h', timeoutMs: 1.5 }, 'timeoutMs', /whole number/],
    [{ prefix: '/api/x', upstream: 'http://h', timeoutMs: '5000' }, 'timeoutMs', /whole number/],
    [{ prefix: '/api/x', upstream: 'http://h', timeoutMs: 600_001 }, 'timeoutMs', /between 1 and 600000/],
    [{ prefix: '/api/x', upstream: 'http://h', websocket: 1 }, 'websocket', /true or false/],
  ])('refuses %j (%s)', (route, field, message) => {
    const problems = problemsOf(routes([route]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^API_ROUTES\\[0\\]\\.${field.replace(/[[\]]/g, '\\$&')}: `));
    expect(problems[0]).toMatch(message);
  });

  it('accepts every policy the contract describes', () => {
    const c = loadConfig(
      routes([
        { prefix: '/api/orders', upstream: 'http://orders.internal:8080/v1', token: 'user', groups: ['staff', 'admins'] },
        { prefix: '/api/reports', upstream: 'http://reports.internal', token: 'user', scopes: ['reports/read'] },
        { prefix: '/api/catalog', upstream: 'http://catalog.internal', token: 'user-or-anonymous' },
        { prefix: '/api/stats', upstream: 'http://stats.internal', token: 'client', scopes: ['stats/read'] },
        { prefix: '/api/public', upstream: 'http://public.internal', token: 'none', timeoutMs: 5000 },
        { prefix: '/api/live', upstream: 'http://live.internal', token: 'user', websocket: true },
        { prefix: '/api', upstream: 'http://default.internal' },
      ]),
    );
    expect(c.routes).toHaveLength(7);
  });
});

describe('machine-to-machine client', () => {
  it('defaults to the emulator\'s M2M client in dev, and to the main client with a real issuer', () => {
    expect(loadConfig({}).m2mClient).toEqual({ clientId: 'local-m2m-client', clientSecret: 'local-m2m-secret' });
    const real = { COGNITO_ISSUER: 'https://idp.example.com/p', COGNITO_CLIENT_ID: 'main', COGNITO_CLIENT_SECRET: 'main-secret' };
    expect(loadConfig(real).m2mClient).toEqual({ clientId: 'main', clientSecret: 'main-secret' });
    expect(loadConfig({ ...real, COGNITO_M2M_CLIENT_ID: 'm2m', COGNITO_M2M_CLIENT_SECRET: 'm2m-secret' }).m2mClient).toEqual({ clientId: 'm2m', clientSecret: 'm2m-secret' });
  });

  it('needs a secret when a client route exists, and an id when a secret is given', () => {
    const publicClient = { COGNITO_ISSUER: 'https://idp.example.com/p', COGNITO_CLIENT_ID: 'spa' };
    const clientRoute = JSON.stringify([{ prefix: '/api/stats', upstream: 'http://s', token: 'client', scopes: ['stats/read'] }]);
    expect(problemsOf({ ...publicClient, API_ROUTES: clientRoute })).toEqual([expect.stringMatching(/^COGNITO_M2M_CLIENT_SECRET: "client" routes need/)]);
    expect(problemsOf(publicClient)).toEqual([]);
    expect(problemsOf({ COGNITO_M2M_CLIENT_SECRET: 'x' })).toEqual([expect.stringMatching(/^COGNITO_M2M_CLIENT_ID: required/)]);
  });

  it('reads Sentinel nodes and master name, and refuses one without the other, bad nodes, and Sentinel with Cluster', () => {
    const c = loadConfig({ REDIS_SENTINEL_NODES: '10.0.0.1:26379, sentinel-b:26379', REDIS_SENTINEL_MASTER: 'bff' });
    expect(c.redisSentinel).toEqual({ nodes: ['10.0.0.1:26379', 'sentinel-b:26379'], master: 'bff' });
    expect(loadConfig({}).redisSentinel).toBeUndefined();
    expect(problemsOf({ REDIS_SENTINEL_NODES: '10.0.0.1:26379' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_MASTER: required/)]);
    expect(problemsOf({ REDIS_SENTINEL_MASTER: 'bff' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_NODES: required/)]);
    expect(problemsOf({ REDIS_SENTINEL_NODES: 'nope', REDIS_SENTINEL_MASTER: 'bff' })).toEqual(['REDIS_SENTINEL_NODES: "nope" is not host:port']);
    expect(problemsOf({ REDIS_SENTINEL_NODES: 'a:26379', REDIS_SENTINEL_MASTER: 'bff', REDIS_CLUSTER_NODES: 'b:7000' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NODES: set either REDIS_CLUSTER_NODES .* not both/),
    ]);
  });
});

describe('the dev stack route table (scripts/dev-routes.json)', () => {
  it('is a valid table for the dev defaults: a user route, a group-protected one, a client route for the emulator M2M client and a step-up route', () => {
    const config = loadConfig({ API_ROUTES_FILE: fileURLToPath(new URL('../../../../scripts/dev-routes.json', import.meta.url)) });
    expect(config.routes.map((r) => [r.prefix, r.token])).toEqual([
      ['/api', 'user'],
      ['/api/admin', 'user'],
      ['/api/stats', 'client'],
      ['/api/recent', 'user'],
    ]);
    expect(config.routes[1]!.groups).toEqual(['admins']);
    expect(config.routes[3]!.maxAuthAgeSeconds).toBe(300);
    expect(config.m2mClient.clientId).toBe('local-m2m-client');
  });
});
