import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_M2M_CLIENT } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { authorizationUrl, basic, clientCredentials, useEmulator, verify } from './support.js';

describe('client_credentials grant (machine to machine)', () => {
  const pool = useEmulator();
  beforeEach(() => pool.idp.reset());

  it('issues a Cognito M2M access token: a JWT without aud, for the client, with the asked scopes', async () => {
    const res = await clientCredentials(pool.d, { scope: 'stats/read' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const { payload, header } = await verify(pool.d, res.body.access_token as string);
    expect(header.alg).toBe('RS256');
    expect(payload).toMatchObject({
      sub: DEFAULT_M2M_CLIENT.clientId,
      client_id: DEFAULT_M2M_CLIENT.clientId,
      token_use: 'access',
      scope: 'stats/read',
      iss: pool.d.issuer,
    });
    expect(payload).not.toHaveProperty('aud');
    expect(payload).not.toHaveProperty('username');
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.jti).toEqual(expect.any(String));
  });

  it('grants several scopes space-separated, and all the client may have when none is asked for', async () => {
    const both = await clientCredentials(pool.d, { scope: 'stats/write stats/read' });
    expect((await verify(pool.d, both.body.access_token as string)).payload.scope).toBe('stats/write stats/read');
    const none = await clientCredentials(pool.d);
    expect((await verify(pool.d, none.body.access_token as string)).payload.scope).toBe('stats/read stats/write');
  });

  it('answers invalid_scope for a scope the client may not have, known to the pool or not', async () => {
    for (const scope of ['reports/read', 'stats/read reports/read', 'stats/delete', 'openid']) {
      const res = await clientCredentials(pool.d, { scope });
      expect(res.status, scope).toBe(400);
      expect(res.body.error, scope).toBe('invalid_scope');
    }
    expect((await pool.idp.stats()).grants.client_credentials).toBe(0);
  });

  it('refuses a wrong secret and keeps the user client out of the grant (and the M2M client out of the code flow)', async () => {
    const wrong = await clientCredentials(pool.d, {}, `Basic ${Buffer.from(`${DEFAULT_M2M_CLIENT.clientId}:nope`).toString('base64')}`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const userClient = await clientCredentials(pool.d, { scope: 'stats/read' }, basic);
    expect(userClient.status).toBe(400);
    expect(userClient.body.error).toBe('unauthorized_client');
    const authorize = authorizationUrl(pool.d, { client_id: DEFAULT_M2M_CLIENT.clientId });
    const res = await fetch(authorize, { redirect: 'manual' });
    await res.arrayBuffer();
    expect(res.status).toBe(400);
  });

  it('counts client_credentials grants and requests, like the other grants', async () => {
    await clientCredentials(pool.d, { scope: 'stats/read' });
    await clientCredentials(pool.d, { scope: 'stats/read' });
    await clientCredentials(pool.d, { scope: 'reports/read' });
    const stats = await pool.idp.stats();
    expect(stats.grants).toEqual({ authorization_code: 0, refresh_token: 0, client_credentials: 2 });
    expect(stats.tokenRequests.client_credentials).toBe(3);
    await pool.idp.setBehaviour({ tokenFailureStatus: 503 });
    try {
      expect((await clientCredentials(pool.d)).status).toBe(503);
    } finally {
      await pool.idp.setBehaviour({ tokenFailureStatus: null });
    }
    expect((await pool.idp.stats()).tokenRequests.client_credentials).toBe(4);
    expect((await pool.idp.stats()).grants.client_credentials).toBe(2);
  });

  it('is not accepted at userinfo: there is no user behind it', async () => {
    const res = await clientCredentials(pool.d);
    const info = await fetch(pool.d.userinfo_endpoint, { headers: { authorization: `Bearer ${res.body.access_token as string}` } });
    await info.arrayBuffer();
    expect(info.status).toBe(401);
  });
});

describe('client_credentials token lifetime', () => {
  const pool = useEmulator({ clientCredentialsTtlSeconds: 2, accessTokenTtlSeconds: 600 });

  it('follows clientCredentialsTtlSeconds, independent of the user tokens', async () => {
    const res = await clientCredentials(pool.d, { scope: 'stats/read' });
    expect(res.body.expires_in).toBe(2);
    const { payload } = await verify(pool.d, res.body.access_token as string);
    expect(payload.exp! - payload.iat!).toBe(2);
    await sleep(2100);
    await expect(verify(pool.d, res.body.access_token as string)).rejects.toThrow(/exp/);
  });
});

describe('machine-to-machine app clients', () => {
  const m2m = { clientId: 'm2m', clientSecret: 's', allowedOAuthFlows: ['client_credentials' as const], allowedOAuthScopes: ['stats/read'] };

  it('are refused when Cognito would refuse them: no secret, mixed with code, no scope or an undefined scope', () => {
    expect(() => resolveOptions({ clients: [m2m] })).not.toThrow();
    expect(() => resolveOptions({ clients: [{ ...m2m, clientSecret: undefined }] })).toThrow(/secret/);
    expect(() => resolveOptions({ clients: [{ ...m2m, allowedOAuthFlows: ['code', 'client_credentials'] }] })).toThrow(/combined/);
    expect(() => resolveOptions({ clients: [{ ...m2m, allowedOAuthScopes: [] }] })).toThrow(/at least one/);
    expect(() => resolveOptions({ clients: [{ ...m2m, allowedOAuthScopes: ['billing/read'] }] })).toThrow(/billing\/read/);
  });
});
