import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { sidOf } from './support/tokens.js';

// Two instances of one deployment (same Redis prefix and secret), MAX_SESSIONS_PER_USER=3. A
// 20-second idle timeout makes activity recorded at most every 2 s, so "least recently used" can
// be told apart within the test.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let one: TestBff;
let two: TestBff;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  const shared = { issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: testPrefix(), sessionSecret: testSecret() };
  const env = { MAX_SESSIONS_PER_USER: '3', SESSION_IDLE_TIMEOUT_SECONDS: '20' };
  [one, two] = await Promise.all([startBff({ ...shared, env }), startBff({ ...shared, env })]);
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  await upstream?.close();
  await idp?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const signedIn = async (on: TestBff, cookie: string) => (await getSession(on, cookie)).body.authenticated === true;
const apiStatus = async (on: TestBff, cookie: string) => (await fetch(`${on.url}/api/hello`, { headers: { cookie, 'x-csrf': '1' } })).status;
const lastSeen = async (cookie: string) => Number(await one.deps.redis.hGet(one.deps.tokens.keys(sidOf(one, cookie)).tokens, 's'));

describe('MAX_SESSIONS_PER_USER', () => {
  it("ends the user's least recently used session on every instance when a sign-in goes beyond the limit, revoking its refresh token", async () => {
    const bob = await signInAs(two, 'bob');
    const first = await signInAs(one, 'alice');
    const second = await signInAs(two, 'alice');
    // both instances have opened (and cached) the second session's record
    for (const on of [one, two]) expect(await apiStatus(on, second.cookie)).toBe(200);

    await sleep(2_200);
    const third = await signInAs(one, 'alice');
    // the first session is used again (recorded activity), so the second is now the least recently used
    const before = await lastSeen(first.cookie);
    expect(await signedIn(two, first.cookie)).toBe(true);
    for (let i = 0; i < 50 && (await lastSeen(first.cookie)) === before; i++) await sleep(20);
    expect(await lastSeen(first.cookie)).toBeGreaterThan(await lastSeen(second.cookie));

    const revocations = (await idp.stats()).revocations;
    const fourth = await signInAs(two, 'alice');
    expect((await idp.stats()).revocations).toBe(revocations + 1);

    for (const on of [one, two]) {
      expect(await signedIn(on, second.cookie)).toBe(false);
      expect(await apiStatus(on, second.cookie)).toBe(401);
      for (const kept of [first, third, fourth]) {
        expect(await signedIn(on, kept.cookie)).toBe(true);
        expect(await apiStatus(on, kept.cookie)).toBe(200);
      }
      expect(await signedIn(on, bob.cookie)).toBe(true);
    }
    expect(await one.deps.redis.exists(one.deps.tokens.keys(sidOf(one, second.cookie)).tokens)).toBe(0);
    const listed = (await (await fetch(`${one.url}/sessions`, { headers: { cookie: fourth.cookie } })).json()) as { sessions: unknown[] };
    expect(listed.sessions).toHaveLength(3);
  });
});
