import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { ConfigError, loadConfig } from '../src/config/config.js';
import { signInAs, startBff, testPrefix, type TestBff } from './support/bff.js';

// Issue 19, item 2 (contract: "The internal listener"): what only the infrastructure may call
// (forward auth, which answers with an access token, and metrics) is served on INTERNAL_PORT and
// nowhere else; health answers on both.
let idp: SpawnedEmulator;
let bff: TestBff;
let plain: TestBff;
let cookie: string;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  [bff, plain] = await Promise.all([startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), internal: true }), startBff({ issuer: idp.issuer, keyPrefix: testPrefix() })]);
  ({ cookie } = await signInAs(bff, 'alice'));
});
afterAll(async () => {
  await bff?.close();
  await plain?.close();
  await idp?.stop();
});

describe('with INTERNAL_PORT', () => {
  it('serves /auth/check and /metrics on the internal listener only: the public port answers 404 problem+json without a token', async () => {
    for (const path of ['/auth/check', '/auth/check?x=1', '/metrics']) {
      const res = await fetch(`${bff.url}${path}`, { headers: { cookie } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('authorization')).toBeNull();
    }
    const check = await fetch(`${bff.internalUrl}/auth/check`, { headers: { cookie } });
    expect(check.status).toBe(200);
    expect(check.headers.get('authorization')).toMatch(/^Bearer eyJ/);
    const metrics = await fetch(`${bff.internalUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('bff_');
  });

  it('answers health on both listeners, and nothing else of the app on the internal one', async () => {
    for (const base of [bff.url, bff.internalUrl!]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
    for (const path of ['/session', '/auth/login', '/api/x', '/sessions']) expect((await fetch(`${bff.internalUrl}${path}`, { headers: { cookie } })).status, path).toBe(404);
  });
});

describe('without INTERNAL_PORT', () => {
  it('keeps /metrics on PORT and turns forward auth off', async () => {
    expect((await fetch(`${plain.url}/metrics`)).status).toBe(200);
    const { cookie: bob } = await signInAs(plain, 'bob');
    const check = await fetch(`${plain.url}/auth/check`, { headers: { cookie: bob } });
    expect(check.status).toBe(404);
    expect(check.headers.get('authorization')).toBeNull();
  });
});

describe('configuration', () => {
  it('refuses an INTERNAL_PORT equal to PORT, and INTERNAL_HOST without INTERNAL_PORT', () => {
    expect(() => loadConfig({ PORT: '3000', INTERNAL_PORT: '3000' })).toThrow(ConfigError);
    expect(() => loadConfig({ INTERNAL_HOST: '0.0.0.0' })).toThrow(/INTERNAL_PORT/);
    expect(loadConfig({ INTERNAL_PORT: '9090' }).internal).toEqual({ port: 9090, host: '127.0.0.1' });
    expect(loadConfig({}).internal).toBeUndefined();
  });
});
