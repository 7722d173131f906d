import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, testSecret } from './support/bff.js';
import { peerEnv, spawnBff } from './support/bff-process.js';
import { TestRedisServer } from './support/redis-server.js';
import { tokensFor } from './support/tokens.js';
import { startWsUpstream } from './support/ws-upstream.js';

// Issue 10: what ends a WebSocket besides its session: a bearer token's expiry, and a shutdown.
const ACCESS_TOKEN_TTL_SECONDS = 3;
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startWsUpstream>>;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS });
  upstream = await startWsUpstream();
});
afterAll(async () => {
  await upstream?.close();
  await idp?.stop();
});

function open(url: string, headers: Record<string, string>) {
  return new Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string; at: number }> }>((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/live`, { headers, perMessageDeflate: false });
    const closed = new Promise<{ code: number; reason: string; at: number }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString(), at: Date.now() })));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}
const routes = () => JSON.stringify([{ prefix: '/api/live', upstream: upstream.url, websocket: true }]);

describe('a bearer client', () => {
  it("has its socket closed with 4401 when its access token expires (the BFF cannot refresh someone else's token)", async () => {
    const bff = await startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), env: { API_ROUTES: routes() } });
    try {
      const { access_token } = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'bob');
      const exp = (JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp;
      const { closed } = await open(bff.url, { authorization: `Bearer ${access_token}` });
      const { code, reason, at } = await closed;
      expect(code).toBe(4401);
      expect(reason).toBe('expired');
      expect(at).toBeGreaterThanOrEqual(exp * 1000 - 50);
      expect(at).toBeLessThan(exp * 1000 + 1_500);
    } finally {
      await bff.close();
    }
  });
});

describe('Redis down', () => {
  it('refuses a cookie handshake with 503 session_store_unavailable within 2.5 s, as /api/* would', async () => {
    const redis = await TestRedisServer.start();
    const bff = await startBff({ issuer: idp.issuer, redisUrl: redis.url, env: { API_ROUTES: routes() } });
    try {
      const { cookie } = await signInAs(bff, 'alice');
      await redis.stop();
      const started = Date.now();
      const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${bff.url.replace('http', 'ws')}/api/live`, { headers: { cookie, origin: bff.url } });
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.once('open', () => reject(new Error('opened without Redis')));
        ws.once('error', reject);
      });
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'session_store_unavailable' });
      expect(Date.now() - started).toBeLessThan(2_500);
      await redis.start(); // back, so the BFF closes its clients normally
    } finally {
      await bff.close();
      await redis.stop();
    }
  });
});

describe('SIGTERM', () => {
  it('closes open WebSockets with 1001 (going away) and the process still exits within the grace period', async () => {
    const graceMs = 4_000;
    const proc = await spawnBff({
      ...peerEnv({ issuer: idp.issuer, upstreamUrl: 'http://127.0.0.1:9', keyPrefix: testPrefix(), sessionSecret: testSecret() }),
      API_UPSTREAM_URL: '',
      API_ROUTES: routes(),
      SHUTDOWN_GRACE_MS: String(graceMs),
    });
    try {
      const { cookie } = await signInAs(proc, 'alice');
      upstream.sockets.length = 0;
      const sockets = await Promise.all([open(proc.url, { cookie, origin: proc.url }), open(proc.url, { cookie, origin: proc.url })]);
      const started = Date.now();
      const stopped = proc.stop();
      const closes = await Promise.all(sockets.map((s) => s.closed));
      expect(closes.map((c) => c.code)).toEqual([1001, 1001]);
      expect(await Promise.all(upstream.sockets.map((s) => s.closed))).toEqual([1001, 1001]); // the upstream is told too
      await stopped;
      const exitedAfter = Date.now() - started;
      expect(exitedAfter).toBeLessThan(graceMs);
      expect(proc.child.exitCode).toBe(0);
    } finally {
      await proc.kill();
    }
  });
});
