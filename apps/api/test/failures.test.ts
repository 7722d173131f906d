import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, sessionCookieFrom, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { peerEnv, spawnBff } from './support/bff-process.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { TestRedisServer } from './support/redis-server.js';

let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
});
afterAll(async () => {
  await upstream?.close();
  await idp?.stop();
});

const timed = async <T>(p: Promise<T>) => {
  const t0 = Date.now();
  const value = await p;
  return { value, ms: Date.now() - t0 };
};

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await res.json()).toMatchObject({ status, code });
}

describe('Redis down', () => {
  let redis: TestRedisServer;
  let bff: TestBff;
  let cookie: string;

  beforeAll(async () => {
    redis = await TestRedisServer.start();
    bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, redisUrl: redis.url });
    ({ cookie } = await signInAs(bff));
  });
  afterAll(async () => {
    await bff?.close();
    await redis?.stop();
  });

  it('answers 503 session_store_unavailable within 2 s when Redis is gone, and recovers by itself', async () => {
    await redis.stop();
    const session = await timed(fetch(`${bff.url}/session`, { headers: { cookie } }));
    expect(session.ms).toBeLessThan(2_000);
    await expectProblem(session.value, 503, 'session_store_unavailable');
    const api = await timed(fetch(`${bff.url}/api/x`, { headers: { cookie, 'x-csrf': '1' } }));
    expect(api.ms).toBeLessThan(2_000);
    await expectProblem(api.value, 503, 'session_store_unavailable');
    const ready = await timed(fetch(`${bff.url}/readyz`));
    expect(ready.ms).toBeLessThan(2_000);
    expect(ready.value.status).toBe(503);
    const login = await fetch(`${bff.url}/auth/login`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/?authError=session_store_unavailable');
    expect((await fetch(`${bff.url}/healthz`)).status).toBe(200);

    await redis.start(); // same port, empty: sessions did not survive (no persistence), the process did
    for (let i = 0; i < 50 && (await fetch(`${bff.url}/readyz`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${bff.url}/readyz`)).status).toBe(200);
    const again = await signInAs(bff);
    expect((await getSession(bff, again.cookie)).body.authenticated).toBe(true);
    expect((await fetch(`${bff.url}/api/x`, { headers: { cookie: again.cookie, 'x-csrf': '1' } })).status).toBe(200);
  });

  it('answers 503 within 2 s when Redis hangs, and the session is intact when it wakes up', async () => {
    const { cookie: live } = await signInAs(bff);
    redis.pause();
    try {
      const session = await timed(fetch(`${bff.url}/session`, { headers: { cookie: live } }));
      expect(session.ms).toBeLessThan(2_000);
      await expectProblem(session.value, 503, 'session_store_unavailable');
      const api = await timed(fetch(`${bff.url}/api/x`, { headers: { cookie: live, 'x-csrf': '1' } }));
      expect(api.ms).toBeLessThan(2_000);
      await expectProblem(api.value, 503, 'session_store_unavailable');
    } finally {
      redis.resume();
    }
    let body: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${bff.url}/session`, { headers: { cookie: live } });
      if (res.status === 200) {
        body = (await res.json()) as Record<string, unknown>;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(body.authenticated).toBe(true);
  });
});

describe('IdP down or slow', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, env: { IDP_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => {
    await bff?.close();
  });

  async function loginUntilCallback() {
    const { signIn } = await import('@app/cognito-emulator');
    const login = await fetch(`${bff.url}/auth/login`, { redirect: 'manual' });
    const loginCookie = sessionCookieFrom(login)!;
    const callbackUrl = await signIn(login.headers.get('location')!, 'alice', 'Passw0rd!');
    return { loginCookie, callbackUrl };
  }

  it('a slow token endpoint at sign-in is cut off at IDP_TIMEOUT_MS: no session, no 5xx, a readable error', async () => {
    const { loginCookie, callbackUrl } = await loginUntilCallback();
    await idp.setBehaviour({ tokenDelayMs: 5_000 });
    try {
      const res = await timed(fetch(callbackUrl, { redirect: 'manual', headers: { cookie: loginCookie } }));
      expect(res.ms).toBeLessThan(3_000);
      expect(res.value.status).toBe(302);
      expect(res.value.headers.get('location')).toBe('/?authError=idp_unavailable');
      expect((await getSession(bff, loginCookie)).body).toEqual({ authenticated: false });
    } finally {
      await idp.setBehaviour({ tokenDelayMs: 0 });
    }
  });

  it('a token endpoint answering 5xx at sign-in gives authError=idp_unavailable', async () => {
    const { loginCookie, callbackUrl } = await loginUntilCallback();
    await idp.setBehaviour({ tokenFailureStatus: 502 });
    try {
      const res = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: loginCookie } });
      expect(res.headers.get('location')).toBe('/?authError=idp_unavailable');
    } finally {
      await idp.setBehaviour({ tokenFailureStatus: null });
    }
  });

  it('logout still ends the local session when the IdP cannot be reached for revocation', async () => {
    const { cookie } = await signInAs(bff);
    await idp.kill();
    try {
      const res = await timed(fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } }));
      expect(res.ms).toBeLessThan(3_000);
      expect(res.value.status).toBe(200);
      expect(((await res.value.json()) as { logoutUrl: string }).logoutUrl).toMatch(/\/logout\?client_id=local-client/);
      expect((await getSession(bff, cookie)).body).toEqual({ authenticated: false });
    } finally {
      await idp.restart();
    }
  });
});

describe('graceful shutdown', () => {
  // the drain before this (SHUTDOWN_DRAIN_MS) is the subject of rolling-restart.test.ts
  it('on SIGTERM, once drained, finishes the request in flight, refuses new connections, and exits 0', async () => {
    const proc = await spawnBff({
      ...peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix(), sessionSecret: testSecret() }),
      SHUTDOWN_DRAIN_MS: '0',
    });
    const { cookie } = await signInAs(proc);
    const inFlight = fetch(`${proc.url}/api/slow?ms=1500`, { headers: { cookie, 'x-csrf': '1' } });
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((resolve) => proc.child.once('exit', (code) => resolve(code)));
    proc.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    await expect(fetch(`${proc.url}/healthz`, { headers: { connection: 'close' } })).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await exited).toBe(0);
  });
});
