import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import { DEFAULT_M2M_CLIENT, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { OidcClient } from '../src/idp/oidc-client.js';
import { createRedis, type Redis } from '../src/redis/client.js';
import { ClientTokenProvider, clientTokenKeys, type ClientTokenOptions, type ClientTokenResult } from '../src/tokens/client-token-provider.js';
import { TokenCipher } from '../src/tokens/crypto.js';
import { testPrefix, testSecret } from './support/isolation.js';

// 4 s M2M tokens: with the default 60 s skew, a token is due for renewal after 2 s (half its lifetime).
const TTL_SECONDS = 4;
const logger = pino({ level: 'silent' });
const secret = testSecret();
const m2m = { clientId: DEFAULT_M2M_CLIENT.clientId, clientSecret: DEFAULT_M2M_CLIENT.clientSecret };

let idp: SpawnedEmulator;
const clients: Redis[] = [];
let prefix: string;

async function redisClient(): Promise<Redis> {
  const redis = createRedis({ url: inject('redisUrl') }, logger);
  await redis.connect();
  clients.push(redis);
  return redis;
}

/** One API instance: its own Redis connection, OIDC client and provider, sharing the test's prefix. */
async function instance(issuer = idp.issuer, options: ClientTokenOptions = {}): Promise<{ provider: ClientTokenProvider; redis: Redis }> {
  const redis = await redisClient();
  const oidc = new OidcClient(
    { cognito: { issuer, clientId: 'local-client', clientSecret: 'local-secret', scopes: 'openid' }, m2mClient: m2m, idpTimeoutMs: 2_000, publicUrl: 'http://localhost:3000' },
    logger,
  );
  return { provider: new ClientTokenProvider(redis, new TokenCipher(secret), oidc, prefix, m2m.clientId, logger, { pollMs: 10, ...options }), redis };
}

const tokenOf = (r: ClientTokenResult): string => {
  if (r.kind !== 'token') throw new Error(`expected a token, got ${JSON.stringify(r)}`);
  return r.token;
};
const grants = async () => (await idp.stats()).grants.client_credentials;

beforeAll(async () => {
  idp = await spawnEmulator({ clientCredentialsTtlSeconds: TTL_SECONDS });
});
beforeEach(async () => {
  prefix = testPrefix(); // an empty cache for every test
  await idp.reset();
});
afterEach(async () => {
  const redis = clients[0];
  if (redis) for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
});
afterAll(() => idp?.stop());

describe('the client_credentials token provider', () => {
  it('100 concurrent calls on two instances with an empty cache cause exactly one grant, and all get the same token', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).provider.get(['stats/read'])));
    const tokens = new Set(results.map(tokenOf));
    expect(tokens.size).toBe(1);
    expect(await grants()).toBe(1);
    expect((await idp.stats()).tokenRequests.client_credentials).toBe(1);
    const claims = decodeJwt([...tokens][0]!);
    expect(claims).toMatchObject({ sub: m2m.clientId, client_id: m2m.clientId, token_use: 'access', scope: 'stats/read' });
  });

  it('serves the cached token until its refresh point, then fetches exactly once more', async () => {
    const [a, b] = await Promise.all([instance(), instance()]);
    const first = await a.provider.get(['stats/read']);
    expect(tokenOf(await a.provider.get(['stats/read']))).toBe(tokenOf(first));
    expect(tokenOf(await b.provider.get(['stats/read']))).toBe(tokenOf(first)); // from Redis: no grant
    expect(await grants()).toBe(1);

    if (first.kind !== 'token') throw new Error('no token');
    // refresh point: min(60 s, half of 4 s) before expiry
    await new Promise((r) => setTimeout(r, first.expiresAt - Date.now() - 2_000 + 50));
    const renewed = await Promise.all([a.provider.get(['stats/read']), b.provider.get(['stats/read']), a.provider.get(['stats/read'])]);
    expect(new Set(renewed.map(tokenOf)).size).toBe(1);
    expect(tokenOf(renewed[0]!)).not.toBe(tokenOf(first));
    expect(await grants()).toBe(2);
  });

  it('keeps one token per scope set, whatever the order of the scopes', async () => {
    const { provider } = await instance();
    const read = tokenOf(await provider.get(['stats/read']));
    const both = tokenOf(await provider.get(['stats/read', 'stats/write']));
    expect(both).not.toBe(read);
    expect(decodeJwt(both).scope).toBe('stats/read stats/write');
    expect(tokenOf(await provider.get(['stats/write', 'stats/read', 'stats/write']))).toBe(both);
    expect(await grants()).toBe(2);
  });

  it('seals the token in Redis under the deployment prefix, expiring with the token, with no JWT in the clear', async () => {
    const { provider, redis } = await instance();
    const token = tokenOf(await provider.get(['stats/read']));
    const keys = clientTokenKeys(prefix, m2m.clientId, ['stats/read']);
    expect(keys.token.startsWith(prefix)).toBe(true);
    const stored = await redis.get(keys.token);
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(token.split('.')[1]);
    expect(stored).not.toMatch(/eyJ[\w-]{10,}\.eyJ/); // no JWT at all (a bare "eyJ" can occur in random ciphertext)
    const ttl = await redis.pTTL(keys.token);
    expect(ttl).toBeGreaterThan(TTL_SECONDS * 1000 - 1_000);
    expect(ttl).toBeLessThanOrEqual(TTL_SECONDS * 1000);
    expect(await redis.exists(keys.lease)).toBe(0); // released after the grant

    // sealed for its own cache key: copied under another scope set's key it does not open
    const other = clientTokenKeys(prefix, m2m.clientId, ['stats/write']);
    await redis.set(other.token, stored!, { PX: 4_000 });
    expect(tokenOf(await provider.get(['stats/write']))).not.toBe(token);
    expect(await grants()).toBe(2);
  });

  it('takes over when the lease holder died: its lease lapses and one waiter fetches', async () => {
    const { provider, redis } = await instance(idp.issuer, { leaseMs: 400 });
    const keys = clientTokenKeys(prefix, m2m.clientId, ['stats/read']);
    await redis.set(keys.lease, 'a holder that died', { PX: 400 });
    const started = Date.now();
    const results = await Promise.all([provider.get(['stats/read']), provider.get(['stats/read'])]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    expect(new Set(results.map(tokenOf)).size).toBe(1);
    expect(await grants()).toBe(1);
  });

  it('answers client_grant_rejected for a scope the M2M client may not have', async () => {
    const { provider } = await instance();
    expect(await provider.get(['reports/read'])).toEqual({ kind: 'error', code: 'client_grant_rejected', oauthError: 'invalid_scope' });
    expect(await grants()).toBe(0);
  });
});

describe('the client_credentials token provider when the IdP is down', () => {
  let down: SpawnedEmulator;
  beforeAll(async () => {
    down = await spawnEmulator({ clientCredentialsTtlSeconds: TTL_SECONDS });
  });
  afterAll(() => down?.stop());

  it('answers idp_unavailable quickly, and fetches again once the IdP is back', async () => {
    const { provider } = await instance(down.issuer);
    await down.kill();
    const started = Date.now();
    expect(await provider.get(['stats/read'])).toEqual({ kind: 'error', code: 'idp_unavailable' });
    expect(Date.now() - started).toBeLessThan(1_000);
    await down.restart();
    expect(tokenOf(await provider.get(['stats/read']))).toMatch(/^eyJ/);
  });

  it('keeps serving a token that is due but still valid while the IdP fails', async () => {
    const { provider } = await instance(down.issuer);
    const first = await provider.get(['stats/read']);
    if (first.kind !== 'token') throw new Error('no token');
    await down.setBehaviour({ tokenFailureStatus: 503 });
    try {
      await new Promise((r) => setTimeout(r, first.expiresAt - Date.now() - 2_000 + 50)); // past the refresh point
      expect(tokenOf(await provider.get(['stats/read']))).toBe(first.token);
      await new Promise((r) => setTimeout(r, first.expiresAt - Date.now()));
      expect(await provider.get(['stats/read'])).toEqual({ kind: 'error', code: 'idp_unavailable' });
    } finally {
      await down.setBehaviour({ tokenFailureStatus: null });
    }
  });
});
