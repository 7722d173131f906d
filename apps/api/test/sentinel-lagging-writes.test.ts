import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, sessionCookieFrom, signInAs, testPrefix, testSecret } from './support/bff.js';
import { peerEnv, spawnBff, type BffProcess } from './support/bff-process.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { TestRedisSentinel } from './support/redis-sentinel.js';

// Sign-in and sign-out while the replica lags (issue 20): a session is reported signed in only
// once a replica has it, and a sign-out is not undone by a failover that promotes a replica which
// never saw it.
let set: TestRedisSentinel;
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: BffProcess;

beforeAll(async () => {
  set = await TestRedisSentinel.start({ laggable: true });
  idp = await spawnEmulator({ port: 0, rotateRefreshTokens: true });
  upstream = await startRecordingUpstream();
  bff = await spawnBff({ ...peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix(), sessionSecret: testSecret() }), ...set.env });
}, 60_000);
afterAll(async () => {
  await bff?.kill();
  await upstream?.close();
  await idp?.stop();
  await set?.stop();
});

describe('Sentinel, while the replica lags', () => {
  it('a sign-in no replica confirmed answers session_store_unavailable and leaves no session behind', async () => {
    const login = await fetch(`${bff.url}/auth/login`, { redirect: 'manual' });
    const loginCookie = sessionCookieFrom(login)!;
    const callbackUrl = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
    set.proxy!.hold();
    const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: loginCookie } });
    set.proxy!.release();
    expect(callback.headers.get('location')).toBe('/?authError=session_store_unavailable');
    const cookie = sessionCookieFrom(callback);
    if (cookie) expect((await getSession(bff, cookie)).body.authenticated).toBe(false);
    expect((await idp.stats()).revocations).toBe(1); // the refresh token it got was given back
    // and once the replica keeps up, signing in works
    const { cookie: again } = await signInAs(bff, 'alice');
    expect((await getSession(bff, again)).body.authenticated).toBe(true);
  }, 30_000);

  it('a sign-out the replica had not received when the primary died is not undone by the failover', async () => {
    const { cookie } = await signInAs(bff, 'bob');
    expect((await getSession(bff, cookie)).body.authenticated).toBe(true);
    set.proxy!.hold();
    const logout = await fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } });
    expect(logout.status).toBe(200);
    const old = await set.killPrimary();
    await set.waitForPromotion(old);
    // asked until the instance serves again and for 4 s more: the deletion, repeated until a
    // replica has it, reaches the new primary within moments of the instance finding it
    const answers: { at: number; authenticated: boolean }[] = [];
    const until = Date.now() + 20_000;
    let servedSince = 0;
    while (Date.now() < until && (!servedSince || Date.now() - servedSince < 4_000)) {
      const res = await fetch(`${bff.url}/session`, { headers: { cookie } });
      const body = (await res.json()) as { authenticated?: boolean };
      if (res.status === 200) {
        servedSince ||= Date.now();
        answers.push({ at: Date.now() - servedSince, authenticated: body.authenticated === true });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    console.warn(`sign-out lost with the primary: signed in again in ${answers.filter((a) => a.authenticated).length} of ${answers.length} answers after the failover`);
    const later = answers.filter((a) => a.at > 1_000);
    expect(later.length).toBeGreaterThan(10);
    expect(later.filter((a) => a.authenticated)).toEqual([]);
  }, 60_000);
});
