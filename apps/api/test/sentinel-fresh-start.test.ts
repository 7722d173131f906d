import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { sessionCookieFrom } from './support/bff.js';
import { peerEnv, spawnBff, type BffProcess } from './support/bff-process.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { TestRedisSentinel } from './support/redis-sentinel.js';
import { testPrefix, testSecret } from './support/isolation.js';

// An instance that has just started against a Sentinel set (issue 20): its first writes that must
// reach a replica open a connection of their own to the primary, and node-redis calls a client
// open from the moment it starts connecting. Sign-ins that complete together on a fresh instance
// must all succeed, not answer `authError=session_store_unavailable`.
const SIGN_INS = 24;

let set: TestRedisSentinel;
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: BffProcess;

beforeAll(async () => {
  set = await TestRedisSentinel.start();
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
}, 60_000);
afterAll(async () => {
  await bff?.kill();
  await upstream?.close();
  await idp?.stop();
  await set?.stop();
});

describe('a fresh instance on Redis Sentinel', () => {
  it('serves its first sign-ins, arriving together, without an error', async () => {
    bff = await spawnBff({ ...peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix(), sessionSecret: testSecret() }), ...set.env });
    // each browser goes as far as the IdP's redirect back (the login transaction is stored by the
    // ordinary client); the code exchanges are held at the IdP so that the callbacks all write together
    const pending = await Promise.all(
      Array.from({ length: SIGN_INS }, async (_, i) => {
        const login = await fetch(`${bff.url}/auth/login`, { redirect: 'manual' });
        const cookie = sessionCookieFrom(login)!;
        const callback = await signIn(login.headers.get('location')!, i % 2 ? 'bob' : 'alice', 'Passw0rd!');
        return { cookie, callback };
      }),
    );
    await idp.setBehaviour({ tokenDelayMs: 300 });
    const outcomes = await Promise.all(
      pending.map(async ({ cookie, callback }) => {
        const res = await fetch(callback, { redirect: 'manual', headers: { cookie } });
        const location = res.headers.get('location') ?? '';
        const session = sessionCookieFrom(res);
        if (res.status !== 302 || location.includes('authError') || !session) return `${res.status} ${location}`;
        const who = (await (await fetch(`${bff.url}/session`, { headers: { cookie: session } })).json()) as { authenticated?: boolean };
        return who.authenticated === true ? 'ok' : 'not signed in afterwards';
      }),
    );
    const errors = outcomes.filter((o) => o !== 'ok');
    console.warn(`fresh instance, ${SIGN_INS} sign-ins together: ${errors.length} errors ${JSON.stringify(errors.slice(0, 3))}`);
    expect(errors).toEqual([]);
  }, 60_000);
});
