import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '../src/index.js';
import { discover } from './support.js';

describe('discovery', () => {
  let idp: SpawnedEmulator;
  beforeAll(async () => {
    idp = await spawnEmulator();
  });
  afterAll(() => idp.stop());

  it('uses a Cognito-shaped issuer with the default pool id', () => {
    expect(idp.issuer).toBe(`http://127.0.0.1:${idp.port}/local-1_Emulator`);
    expect(idp.url).toBe(`http://127.0.0.1:${idp.port}`);
  });

  it('publishes exactly the keys of a Cognito discovery document, with endpoints at the host root', async () => {
    const d = await discover(idp.issuer);
    expect(d).toEqual({
      authorization_endpoint: `${idp.url}/oauth2/authorize`,
      id_token_signing_alg_values_supported: ['RS256'],
      issuer: idp.issuer,
      jwks_uri: `${idp.issuer}/.well-known/jwks.json`,
      response_types_supported: ['code'],
      revocation_endpoint: `${idp.url}/oauth2/revoke`,
      scopes_supported: ['openid', 'email', 'phone', 'profile'],
      subject_types_supported: ['public'],
      token_endpoint: `${idp.url}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      userinfo_endpoint: `${idp.url}/oauth2/userInfo`,
    });
    expect(d).not.toHaveProperty('end_session_endpoint');
    expect(d).not.toHaveProperty('code_challenge_methods_supported');
  });

  it('serves one public RS256 signing key at the JWKS URI', async () => {
    const res = await fetch(`${idp.issuer}/.well-known/jwks.json`);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('answers nothing at the root .well-known, where Cognito has no document', async () => {
    expect((await fetch(`${idp.url}/.well-known/openid-configuration`)).status).toBe(404);
  });
});
