import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { cleanup, createTestApp, signInAgent, type TestApp } from '@app/api/testing';
import { startRecordingUpstream } from './support/recording-upstream.js';

// The kit as a user's suite uses it: an in-process app on a spawned emulator, supertest agents.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let testApp: TestApp;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  testApp = await createTestApp({ COGNITO_ISSUER: idp.issuer, API_UPSTREAM_URL: upstream.url, REDIS_URL: inject('redisUrl') });
});
afterAll(async () => {
  await testApp?.close();
  await cleanup();
  await upstream?.close();
  await idp?.stop();
});

const keysUnder = (prefix: string) => testApp.deps.redis.keys(`${prefix}*`);

describe('@app/api/testing', () => {
  it('signs a supertest agent in through the emulator, so /session and /api/* with X-CSRF just work', async () => {
    const agent = await signInAgent(testApp, { username: 'alice', password: 'Passw0rd!', emulatorIssuer: idp.issuer });
    const session = await agent.get('/session').expect(200);
    expect(session.body).toMatchObject({ authenticated: true, user: { username: 'alice', groups: ['admins', 'readers'] } });

    const api = await agent.get('/api/hello?x=1').set('X-CSRF', '1').expect(200);
    expect(api.body).toMatchObject({ url: '/hello?x=1' });
    expect(upstream.seen.at(-1)?.headers.authorization).toMatch(/^Bearer ey/);
    await agent.get('/api/hello').expect(403); // without X-CSRF, as for a browser

    // a plain request (no agent) is anonymous
    expect((await request(testApp.app).get('/session').expect(200)).body).toEqual({ authenticated: false });
    const bob = await signInAgent(testApp, { username: 'bob', password: 'Passw0rd!' });
    expect((await bob.get('/session')).body).toMatchObject({ user: { username: 'bob' } });
  });

  it('refuses a wrong password, and never posts one anywhere but the emulator it was given', async () => {
    await expect(signInAgent(testApp, { username: 'alice', password: 'wrong' })).rejects.toThrow(/rejected the credentials/);
    const before = (await idp.stats()).grants.authorization_code;
    await expect(signInAgent(testApp, { username: 'alice', password: 'Passw0rd!', emulatorIssuer: 'http://127.0.0.1:9/pool' })).rejects.toThrow(/not to the emulator/);
    expect((await idp.stats()).grants.authorization_code).toBe(before);
  });

  it('builds each app under its own random key prefix, and cleanup() deletes its keys even after close()', async () => {
    const other = await createTestApp({ COGNITO_ISSUER: idp.issuer, REDIS_URL: inject('redisUrl') });
    expect(other.keyPrefix).not.toBe(testApp.keyPrefix);
    expect(other.keyPrefix).toMatch(/^testkit:[0-9a-f]{12}:$/);
    await signInAgent(other, { username: 'alice', password: 'Passw0rd!' });
    expect((await keysUnder(other.keyPrefix)).length).toBeGreaterThan(0);
    await other.close();
    await cleanup();
    expect(await keysUnder(other.keyPrefix)).toEqual([]);
    expect(await keysUnder(testApp.keyPrefix)).toEqual([]);
  });

  it('is published as the "./testing" subpath, built next to the rest of dist', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(pkg.exports['./testing']).toEqual({ types: './dist/testing/index.d.ts', default: './dist/testing/index.js' });
    expect(pkg.peerDependenciesMeta.supertest).toEqual({ optional: true });
  });
});
