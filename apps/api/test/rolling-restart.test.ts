import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, testPrefix, testSecret } from './support/bff.js';
import { peerEnv, spawnBff, type BffProcess } from './support/bff-process.js';
import { TestHaproxy } from './support/haproxy.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { freePort } from './support/redis-server.js';

// Three BFF processes behind a real HAProxy running deploy/haproxy.cfg (checks every 200 ms,
// fall 1): restarting each in turn under steady load must cost the clients nothing.
const DRAIN_MS = 1_000;
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let haproxy: TestHaproxy;
const instances: BffProcess[] = [];
const ports: number[] = [];
const prefix = testPrefix();
const secret = testSecret();
let env: Record<string, string>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const start = (port: number) => spawnBff(env, { port });
const exitCode = (p: BffProcess) => new Promise<number | null>((resolve) => (p.child.exitCode !== null || p.child.signalCode !== null ? resolve(p.child.exitCode) : p.child.once('exit', (code) => resolve(code))));

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  haproxy = await TestHaproxy.start(ports);
  env = {
    ...peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret }),
    PUBLIC_URL: haproxy.url, // the origin the browser uses: the load balancer's
    SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
    SHUTDOWN_GRACE_MS: '5000',
  };
  instances.push(...(await Promise.all(ports.map(start))));
  for (let i = 0; i < 3; i++) await haproxy.waitFor(`bff${i + 1}`, 'UP');
}, 60_000);
afterAll(async () => {
  await Promise.all(instances.map((p) => p.kill()));
  await haproxy?.stop();
  await upstream?.close();
  await idp?.stop();
});

describe('shutting down behind a load balancer', () => {
  it('on SIGTERM, /readyz answers 503 at once, requests are still served with Connection: close, a stream in flight finishes, and the process exits 0', async () => {
    const port = await freePort();
    const alone = await spawnBff({ ...env, PUBLIC_URL: `http://127.0.0.1:${port}` }, { port });
    const { cookie } = await signInAs(alone);
    const headers = { cookie, 'x-csrf': '1' };
    const slow = fetch(`${alone.url}/api/slow?ms=${DRAIN_MS + 1_000}`, { headers }); // still running when the listener closes
    await sleep(100);
    const t0 = Date.now();
    alone.child.kill('SIGTERM');
    await sleep(50);
    const ready = await fetch(`${alone.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'shutting_down' });
    expect((await fetch(`${alone.url}/healthz`)).status).toBe(200);
    const during = await fetch(`${alone.url}/api/x`, { headers });
    expect(during.status).toBe(200);
    expect(during.headers.get('connection')).toBe('close');
    const session = await fetch(`${alone.url}/session`, { headers: { cookie } });
    expect(session.status).toBe(200);
    expect(session.headers.get('connection')).toBe('close');

    const stream = await slow;
    expect(stream.status).toBe(200);
    expect(await stream.json()).toMatchObject({ url: expect.stringContaining('/slow') });
    expect(await exitCode(alone)).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(DRAIN_MS);
    expect(await fetch(`${alone.url}/healthz`).then(() => 'served', () => 'refused')).toBe('refused');
  }, 30_000);

  it('a rolling restart of three instances behind HAProxy under steady load fails no request', async () => {
    const users = await Promise.all(['alice', 'bob', 'alice', 'bob'].map((u) => signInAs({ url: haproxy.url }, u)));
    let running = true;
    const counts = { ok: 0, failed: 0, byPath: {} as Record<string, number> };
    const failures: string[] = [];
    const calls: Array<(cookie: string) => Promise<Response>> = [
      (cookie) => fetch(`${haproxy.url}/api/hello`, { headers: { cookie, 'x-csrf': '1' } }),
      (cookie) => fetch(`${haproxy.url}/session`, { headers: { cookie } }),
      (cookie) => fetch(`${haproxy.url}/api/echo`, { method: 'POST', headers: { cookie, 'x-csrf': '1', 'content-type': 'text/plain' }, body: 'x'.repeat(2048) }),
      (cookie) => fetch(`${haproxy.url}/api/slow?ms=300`, { headers: { cookie, 'x-csrf': '1' } }),
    ];
    const load = users.map(async ({ cookie }, u) => {
      for (let i = u; running; i++) {
        const kind = i % calls.length;
        try {
          const res = await calls[kind]!(cookie);
          await res.arrayBuffer();
          if (res.status === 200) counts.ok++;
          else {
            counts.failed++;
            failures.push(`${kind}: ${res.status}`);
          }
        } catch (err) {
          counts.failed++;
          failures.push(`${kind}: ${(err as Error).message}`);
        }
      }
    });

    await sleep(500);
    const timings: number[] = [];
    for (let i = 0; i < instances.length; i++) {
      const t0 = Date.now();
      await instances[i]!.stop(); // SIGTERM, resolves on exit
      expect(instances[i]!.child.exitCode).toBe(0);
      timings.push(Date.now() - t0);
      instances[i] = await start(ports[i]!);
      await haproxy.waitFor(`bff${i + 1}`, 'UP');
    }
    await sleep(500);
    running = false;
    await Promise.all(load);

    const stats = await haproxy.stats();
    console.warn(`rolling restart: ${counts.ok} requests served, ${counts.failed} failed; SIGTERM → exit ${timings.join(', ')} ms`);
    expect(failures).toEqual([]);
    expect(counts.ok).toBeGreaterThan(100);
    // HAProxy did not have to hide anything: no retried or redispatched request, no 5xx
    expect(stats.map((s) => [s.name, s.retries, s.redispatches, s.http5xx, s.responseErrors])).toEqual(stats.map((s) => [s.name, 0, 0, 0, 0]));
    for (const t of timings) expect(t).toBeGreaterThanOrEqual(DRAIN_MS);
  }, 60_000);
});
