import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { recordOf, sidOf, tokensFor } from './support/tokens.js';
import { startWsUpstream } from './support/ws-upstream.js';

// Issue 19, items 3 and 5 (contract: "WebSockets and streams"): an open socket's route policy is
// checked again after every refresh of its session (on any instance) and by the periodic sweep,
// closing it with 4403 once the session no longer meets it; and no session (or client address)
// holds more than MAX_WEBSOCKETS_PER_SESSION sockets.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startWsUpstream>>;
const routes = () =>
  JSON.stringify([
    { prefix: '/api/live', upstream: upstream.url, websocket: true },
    { prefix: '/api/live/admin', upstream: `${upstream.url}/admin`, websocket: true, groups: ['admins'] },
    { prefix: '/api/open', upstream: upstream.url, websocket: true, token: 'none' },
  ]);

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startWsUpstream();
});
afterAll(async () => {
  await upstream?.close();
  await idp?.stop();
});

type Closed = { code: number; reason: string };
/** Opens a socket; resolves once open, with a promise of its close. */
function open(bff: TestBff, path: string, headers: Record<string, string>) {
  return new Promise<{ ws: WebSocket; closed: Promise<Closed> }>((resolve, reject) => {
    const ws = new WebSocket(`${bff.url.replace('http', 'ws')}${path}`, { headers: { origin: bff.url, ...headers }, perMessageDeflate: false });
    const closed = new Promise<Closed>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}
/** The status a refused handshake got, or 101 when it opened (and was closed again). */
const handshakeStatus = (bff: TestBff, path: string, headers: Record<string, string>) =>
  open(bff, path, headers).then(
    ({ ws }) => (ws.close(), 101),
    (err: { status?: number }) => err.status ?? 0,
  );
const echo = (ws: WebSocket, text: string) =>
  new Promise<string>((resolve) => {
    ws.once('message', (data) => resolve(data.toString()));
    ws.send(text);
  });
const within = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms))]);

/** Marks the session's access token expired, so its next use refreshes it. */
async function expireAccessToken(bff: TestBff, cookie: string): Promise<void> {
  const { version, record } = await recordOf(bff, cookie);
  await bff.deps.tokens.compareAndSet(sidOf(bff, cookie), version, { ...record, accessTokenExpiresAt: Math.floor(Date.now() / 1000) - 1 });
}

describe('a socket whose session loses the route’s group', () => {
  it('is closed with 4403 when another instance refreshes the session and the new token lacks the group; HTTP gets 403 alike', async () => {
    const shared = { keyPrefix: testPrefix(), sessionSecret: testSecret(), env: { API_ROUTES: routes() } };
    const a = await startBff({ issuer: idp.issuer, ...shared });
    const b = await startBff({ issuer: idp.issuer, ...shared });
    try {
      await idp.setGroups('alice', ['admins', 'readers']);
      const { cookie } = await signInAs(a, 'alice');
      const admin = await open(a, '/api/live/admin', { cookie });
      const plain = await open(a, '/api/live', { cookie });
      expect(await echo(admin.ws, 'still admin')).toBe('still admin');

      // a refresh that keeps the group changes nothing
      await expireAccessToken(b, cookie);
      expect((await fetch(`${b.url}/session`, { headers: { cookie } })).status).toBe(200);
      expect(await echo(admin.ws, 'after a refresh')).toBe('after a refresh');

      await idp.setGroups('alice', ['readers']); // Cognito's AdminRemoveUserFromGroup
      await expireAccessToken(b, cookie);
      const started = Date.now();
      expect((await fetch(`${b.url}/session`, { headers: { cookie } })).status).toBe(200); // b refreshes
      expect(await within(admin.closed, 3_000)).toEqual({ code: 4403, reason: 'route policy no longer met' });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(await echo(plain.ws, 'readers route')).toBe('readers route'); // its route needs no group: open
      const http = await fetch(`${a.url}/api/live/admin`, { headers: { cookie, 'x-csrf': '1' } });
      expect(http.status).toBe(403);
      plain.ws.close();
    } finally {
      await idp.setGroups('alice', ['admins', 'readers']);
      await a.close();
      await b.close();
    }
  });

  it('is closed with 4403 by the periodic check when no refresh was announced (a missed message, an older instance)', async () => {
    const bff = await startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), env: { API_ROUTES: routes() }, deps: { liveSweepIntervalMs: 300 } });
    try {
      await idp.setGroups('bob', ['admins', 'readers']);
      const { cookie } = await signInAs(bff, 'bob');
      const admin = await open(bff, '/api/live/admin', { cookie });
      await new Promise((r) => setTimeout(r, 900)); // three sweeps with the group: still open
      expect(await echo(admin.ws, 'swept and kept')).toBe('swept and kept');
      // the session is rewritten with tokens that lack the group, as another instance would, with no message
      await idp.setGroups('bob', ['readers']);
      const fresh = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'bob');
      const { version, record } = await recordOf(bff, cookie);
      await bff.deps.tokens.compareAndSet(sidOf(bff, cookie), version, { ...record, accessToken: fresh.access_token });
      expect(await within(admin.closed, 2_000)).toMatchObject({ code: 4403 });
    } finally {
      await idp.setGroups('bob', ['readers']);
      await bff.close();
    }
  });
});

describe('a socket whose session makes no calls', () => {
  it('is refreshed by the periodic check, and closed with 4403 once the refreshed token lacks the group', async () => {
    const shortIdp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 2 });
    const bff = await startBff({ issuer: shortIdp.issuer, keyPrefix: testPrefix(), env: { API_ROUTES: routes() }, deps: { liveSweepIntervalMs: 300 } });
    try {
      const { cookie } = await signInAs(bff, 'alice');
      const admin = await open(bff, '/api/live/admin', { cookie });
      await shortIdp.setGroups('alice', ['readers']);
      const grantsBefore = (await shortIdp.stats()).grants.refresh_token;
      // no HTTP call at all: only the sweep can notice, by refreshing the expiring token
      expect(await within(admin.closed, 5_000)).toMatchObject({ code: 4403 });
      expect((await shortIdp.stats()).grants.refresh_token).toBeGreaterThan(grantsBefore);
    } finally {
      await bff.close();
      await shortIdp.stop();
    }
  });
});

describe('MAX_WEBSOCKETS_PER_SESSION', () => {
  it('refuses a session its fourth socket with 429 (three allowed), counting handshakes under way, while another session still connects', async () => {
    const bff = await startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), env: { API_ROUTES: routes(), MAX_WEBSOCKETS_PER_SESSION: '3' } });
    try {
      const [{ cookie: alice }, { cookie: bob }] = await Promise.all([signInAs(bff, 'alice'), signInAs(bff, 'bob')]);
      const before = upstream.sockets.length;
      // ten handshakes at once: none has finished when the others start
      const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => open(bff, '/api/live', { cookie: alice })));
      const opened = attempts.filter((a) => a.status === 'fulfilled').map((a) => a.value);
      const refused = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected').map((a) => (a.reason as { status?: number }).status);
      expect(opened).toHaveLength(3);
      expect(refused).toEqual(Array(7).fill(429));
      expect(upstream.sockets.length - before).toBe(3); // no upstream connection for the refused ones
      expect(await handshakeStatus(bff, '/api/live', { cookie: bob })).toBe(101);
      // a closed socket gives its slot back
      opened[0]!.ws.close();
      await opened[0]!.closed;
      await new Promise((r) => setTimeout(r, 100));
      expect(await handshakeStatus(bff, '/api/live', { cookie: alice })).toBe(101);
      for (const { ws } of opened) ws.close();
    } finally {
      await bff.close();
    }
  });

  it('holds callers without a session to the same number per client address', async () => {
    const bff = await startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), env: { API_ROUTES: routes(), MAX_WEBSOCKETS_PER_SESSION: '2' } });
    try {
      const first = await open(bff, '/api/open', {});
      const second = await open(bff, '/api/open', {});
      expect(await handshakeStatus(bff, '/api/open', {})).toBe(429);
      first.ws.close();
      second.ws.close();
    } finally {
      await bff.close();
    }
  });
});
