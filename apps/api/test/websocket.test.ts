import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import type { ApiRouteInput } from '@app/shared-types';
import { signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { recordOf, sidOf, tokensFor } from './support/tokens.js';
import { startWsUpstream } from './support/ws-upstream.js';

// Issue 10 (contract: "WebSockets and streams"): upgrades on routes with "websocket": true,
// authorized like any call on the route, and closed with 4401 on every instance when the
// session behind them ends.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startWsUpstream>>;
let a: TestBff;
let b: TestBff;
const prefix = testPrefix();
const secret = testSecret();
const routes = (): ApiRouteInput[] => [
  { prefix: '/api/live', upstream: `${upstream.url}/ws`, websocket: true },
  { prefix: '/api/plain', upstream: upstream.url },
];

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startWsUpstream();
  const env = { API_ROUTES: JSON.stringify(routes()) };
  a = await startBff({ issuer: idp.issuer, keyPrefix: prefix, sessionSecret: secret, env });
  // B's sweep is slow on purpose: what closes its sockets fast must be the session-end channel
  b = await startBff({ issuer: idp.issuer, keyPrefix: prefix, sessionSecret: secret, env, deps: { liveSweepIntervalMs: 60_000 } });
});
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await upstream?.close();
  await idp?.stop();
});
beforeEach(() => {
  upstream.sockets.length = 0;
});

type Opened = { kind: 'open'; ws: WebSocket; closed: Promise<{ code: number; reason: string; at: number }> };
type Refused = { kind: 'refused'; status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Opens a WebSocket through a BFF (`ws` library, as a browser or a CLI would), or reports the refusal. */
function connect(bff: Pick<TestBff, 'url'>, path: string, headers: Record<string, string> = {}): Promise<Opened | Refused> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${bff.url.replace('http', 'ws')}${path}`, { headers, perMessageDeflate: false });
    const closed = new Promise<{ code: number; reason: string; at: number }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString(), at: Date.now() })));
    ws.once('open', () => resolve({ kind: 'open', ws, closed }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    ws.once('error', reject);
  });
}
const browser = (bff: TestBff, cookie: string, extra: Record<string, string> = {}) => ({ cookie, origin: bff.url, ...extra });
async function open(bff: TestBff, path: string, headers: Record<string, string>): Promise<Opened> {
  const result = await connect(bff, path, headers);
  if (result.kind !== 'open') throw new Error(`refused: ${result.status} ${result.body}`);
  return result;
}
const echo = (ws: WebSocket, data: string | Buffer) =>
  new Promise<Buffer>((resolve) => {
    ws.once('message', (reply: Buffer) => resolve(reply));
    ws.send(data);
  });
const logout = (bff: TestBff, cookie: string, everywhere = false) =>
  fetch(`${bff.url}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1', 'content-type': 'application/json' }, body: JSON.stringify({ everywhere }) });

describe('the handshake', () => {
  it("carries the session's access token upstream, never the cookie, and relays messages both ways", async () => {
    const { cookie } = await signInAs(a, 'alice');
    const { ws } = await open(a, '/api/live/feed?x=1', browser(a, cookie, { 'x-csrf': '1' }));
    expect(upstream.sockets).toHaveLength(1);
    const seen = upstream.sockets[0]!;
    expect(seen.url).toBe('/ws/feed?x=1');
    expect(seen.headers.authorization).toBe(`Bearer ${(await recordOf(a, cookie)).record.accessToken}`);
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-csrf']).toBeUndefined();
    expect((await echo(ws, 'hello')).toString()).toBe('hello');
    const big = Buffer.alloc(1024 * 1024, 7);
    expect((await echo(ws, big)).equals(big)).toBe(true);
    expect((await echo(ws, 'big:300000')).length).toBe(300_000);
    ws.close(1000);
  });

  it("refuses a cookie handshake from another origin, or without one, with 403 problem+json (upstream untouched)", async () => {
    const { cookie } = await signInAs(a, 'alice');
    for (const origin of ['https://evil.example', 'null', `${a.url}.evil.example`, undefined]) {
      const result = await connect(a, '/api/live', { cookie, ...(origin ? { origin } : {}) });
      expect(result.kind).toBe('refused');
      const refused = result as Refused;
      expect(refused.status).toBe(403);
      expect(refused.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'forbidden', status: 403 });
    }
    expect(upstream.sockets).toHaveLength(0);
  });

  it('answers like the HTTP proxy for paths: 404 for no route, 400 for a route without websocket or a malformed path, 401 without credentials', async () => {
    const { cookie } = await signInAs(a, 'bob');
    const cases: [string, Record<string, string>, number, string][] = [
      ['/api/nothing', browser(a, cookie), 404, 'not_found'],
      ['/api/plain/x', browser(a, cookie), 400, 'bad_request'],
      ['/api/live/%2e%2e/plain', browser(a, cookie), 400, 'bad_request'],
      ['/auth/login', browser(a, cookie), 404, 'not_found'],
      ['/api/live', { origin: a.url }, 401, 'unauthenticated'],
    ];
    for (const [path, headers, status, code] of cases) {
      const result = (await connect(a, path, headers)) as Refused;
      expect([path, result.status]).toEqual([path, status]);
      expect(JSON.parse(result.body)).toMatchObject({ code });
    }
    expect(upstream.sockets).toHaveLength(0);
  });

  it('accepts a bearer client without Origin (its token forwarded as is) and refuses an invalid token with 401', async () => {
    const { access_token } = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'bob');
    const { ws } = await open(a, '/api/live', { authorization: `Bearer ${access_token}` });
    expect(upstream.sockets[0]!.headers.authorization).toBe(`Bearer ${access_token}`);
    ws.close();
    const bad = (await connect(a, '/api/live', { authorization: 'Bearer nope' })) as Refused;
    expect(bad.status).toBe(401);
    expect(upstream.sockets).toHaveLength(1);
  });

  it('refreshes an expiring access token before the upstream handshake', async () => {
    const { cookie } = await signInAs(a, 'bob');
    const { version, record } = await recordOf(a, cookie);
    await a.deps.tokens.compareAndSet(sidOf(a, cookie), version, { ...record, accessTokenExpiresAt: Math.floor(Date.now() / 1000) - 1 });
    const before = (await idp.stats()).grants.refresh_token;
    const { ws } = await open(a, '/api/live', browser(a, cookie));
    expect((await idp.stats()).grants.refresh_token).toBe(before + 1);
    const fresh = (await recordOf(a, cookie)).record.accessToken;
    expect(fresh).not.toBe(record.accessToken);
    expect(upstream.sockets[0]!.headers.authorization).toBe(`Bearer ${fresh}`);
    ws.close();
  });

  it("passes on the upstream's own refusal (status and body), without its cookies", async () => {
    const { access_token } = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'alice');
    const routesWithRefusal = await startBff({
      issuer: idp.issuer,
      keyPrefix: prefix,
      sessionSecret: secret,
      env: { API_ROUTES: JSON.stringify([{ prefix: '/api/live', upstream: `${upstream.url}/refuse`, websocket: true }]) },
    });
    try {
      const result = (await connect(routesWithRefusal, '/api/live', { authorization: `Bearer ${access_token}` })) as Refused;
      expect(result.status).toBe(403);
      expect(result.body).toBe('{"refused":true}');
      expect(result.headers['set-cookie']).toBeUndefined();
    } finally {
      await routesWithRefusal.close();
    }
  });
});

describe('when the session ends, its sockets close with 4401', () => {
  it('between two frames: a 20 MB message in flight is delivered whole (or not at all), then the close, never a broken frame', async () => {
    const { cookie } = await signInAs(a, 'bob');
    for (const delayMs of [0, 2, 5, 10, 20]) {
      const { ws, closed } = await open(a, '/api/live', browser(a, cookie));
      const received: number[] = [];
      const errors: string[] = [];
      ws.on('message', (data: Buffer) => received.push(data.length));
      ws.on('error', (err) => errors.push(err.message));
      ws.send('big:20000000');
      await new Promise((r) => setTimeout(r, delayMs));
      expect(a.deps.live.closeSession(sidOf(a, cookie))).toBe(1);
      const { code } = await closed;
      expect({ delayMs, code, errors }).toEqual({ delayMs, code: 4401, errors: [] });
      expect(received.every((n) => n === 20_000_000)).toBe(true);
    }
  });


  it('on every instance: the socket on instance B, the logout on instance A, closed well within 10 s', async () => {
    const { cookie } = await signInAs(a, 'alice');
    const onB = await open(b, '/api/live', browser(b, cookie));
    const other = await open(b, '/api/live', browser(b, (await signInAs(a, 'alice')).cookie)); // another session of alice: stays
    const started = Date.now();
    expect((await logout(a, cookie)).status).toBe(200);
    const { code, reason, at } = await onB.closed;
    const latency = at - started;
    console.warn(`[figures] cross-instance close latency: ${latency} ms`);
    expect(code).toBe(4401);
    expect(reason).toBe('session ended');
    expect(latency).toBeLessThan(10_000);
    expect(latency).toBeLessThan(1_000); // the channel, not the sweep (60 s on B)
    // the upstream got a close too, and the other session's socket is untouched
    expect(await upstream.sockets[0]!.closed).toBe(4401);
    expect((await echo(other.ws, 'still here')).toString()).toBe('still here');
    other.ws.close();
  });

  it('on sign-out everywhere, DELETE /sessions/:id, and a rejected refresh token', async () => {
    // sign out everywhere: both of bob's sessions, on both instances
    const first = await signInAs(a, 'bob');
    const second = await signInAs(a, 'bob');
    const sockets = [await open(a, '/api/live', browser(a, first.cookie)), await open(b, '/api/live', browser(b, second.cookie))];
    await logout(a, first.cookie, true);
    expect((await Promise.all(sockets.map((s) => s.closed))).map((c) => c.code)).toEqual([4401, 4401]);

    // DELETE /sessions/:id, from another session of the same user
    const victim = await signInAs(a, 'alice');
    const admin = await signInAs(a, 'alice');
    const socket = await open(b, '/api/live', browser(b, victim.cookie));
    const list = (await (await fetch(`${a.url}/sessions`, { headers: { cookie: admin.cookie } })).json()) as { sessions: { id: string; current: boolean }[] };
    for (const { id } of list.sessions.filter((s) => !s.current)) {
      expect((await fetch(`${a.url}/sessions/${id}`, { method: 'DELETE', headers: { cookie: admin.cookie, 'x-csrf': '1' } })).status).toBe(204);
    }
    expect((await socket.closed).code).toBe(4401);

    // a refresh token the IdP rejects: the refresh ends the session
    const revoked = await signInAs(a, 'bob');
    const live = await open(b, '/api/live', browser(b, revoked.cookie));
    const { version, record } = await recordOf(a, revoked.cookie);
    await a.deps.tokens.compareAndSet(sidOf(a, revoked.cookie), version, { ...record, accessTokenExpiresAt: Math.floor(Date.now() / 1000) - 1 });
    await a.deps.oidc.revokeRefreshToken(record.refreshToken!);
    const res = await fetch(`${a.url}/api/plain/x`, { headers: { cookie: revoked.cookie, 'x-csrf': '1' } });
    expect(await res.json()).toMatchObject({ code: 'session_expired' });
    expect((await live.closed).code).toBe(4401);
  });

  it('also when the session vanished without an announcement (idle, expired, a missed message): the sweep finds it', async () => {
    const sweeping = await startBff({ issuer: idp.issuer, keyPrefix: prefix, sessionSecret: secret, env: { API_ROUTES: JSON.stringify(routes()) }, deps: { liveSweepIntervalMs: 300 } });
    try {
      const { cookie } = await signInAs(a, 'alice');
      const socket = await open(sweeping, '/api/live', browser(sweeping, cookie));
      const started = Date.now();
      await a.deps.tokens.delete(sidOf(a, cookie)); // behind the terminator's back: nobody publishes
      const { code, at } = await socket.closed;
      expect(code).toBe(4401);
      expect(at - started).toBeLessThan(2_000);
    } finally {
      await sweeping.close();
    }
  });
});
