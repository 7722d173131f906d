import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { peerEnv, spawnBff } from './support/bff-process.js';
import { startRecordingUpstream } from './support/recording-upstream.js';

let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
let cookie: string;
const prefix = testPrefix();
const secret = testSecret();

const procStatus = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const residentMb = (pid: number) => procStatus(pid, 'VmRSS');
const peakResidentMb = (pid: number) => procStatus(pid, 'VmHWM');

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret, env: { UPSTREAM_TIMEOUT_MS: '500' } });
  ({ cookie } = await signInAs(bff));
});
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${bff.url}/api${path}`, { ...init, headers: { cookie, 'x-csrf': '1', ...(init.headers as Record<string, string>) } });

describe('the /api proxy with a cookie session', () => {
  it('forwards method, rest of the path and query with the session access token, and no cookie', async () => {
    const res = await api('/things/42?expand=a&x=%20y', { headers: { 'x-trace': 't1' } });
    expect(res.status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    const seen = upstream.seen[0]!;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/things/42?expand=a&x=%20y');
    expect(seen.headers.authorization).toMatch(/^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-csrf']).toBeUndefined();
    expect(seen.headers['x-trace']).toBe('t1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
  });

  it('passes POST bodies and the status and headers of the answer, minus hop-by-hop ones', async () => {
    const echo = await api('/echo', { method: 'POST', body: JSON.stringify({ hello: 'world' }), headers: { 'content-type': 'application/json' } });
    expect(echo.status).toBe(200);
    expect(echo.headers.get('x-upstream')).toBe('echo');
    expect(await echo.json()).toEqual({ hello: 'world' });

    const teapot = await api('/status/418');
    expect(teapot.status).toBe(418);
    expect(teapot.headers.get('x-custom')).toBe('kept');
    expect(teapot.headers.get('x-hop')).toBeNull();

    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const res = await api('/echo', { method, body: 'x' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('x');
    }
  });

  it('streams a 100 MB upload and a 100 MB download through a BFF process with flat memory', async () => {
    const proc = await spawnBff(peerEnv({ issuer: idp.issuer, upstreamUrl: upstream.url, keyPrefix: prefix, sessionSecret: secret }));
    try {
      const size = 100 * 1024 * 1024;
      const target = new URL(proc.url);
      const headers = { cookie, 'x-csrf': '1' };
      const warm = await fetch(`${proc.url}/api/echo`, { method: 'POST', body: 'warm', headers });
      expect(await warm.text()).toBe('warm');
      const baseline = residentMb(proc.child.pid!);

      const echoed = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: target.hostname, port: target.port, path: '/api/echo', method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream', 'content-length': String(size) } },
          (res) => {
            let n = 0;
            res.on('data', (part: Buffer) => (n += part.length));
            res.on('end', () => resolve(n));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        const chunk = Buffer.alloc(256 * 1024, 97);
        let sent = 0;
        const pump = () => {
          while (sent < size) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
      expect(echoed).toBe(size);

      const down = await fetch(`${proc.url}/api/bytes?n=${size}`, { headers });
      expect(down.headers.get('content-length')).toBe(String(size));
      let received = 0;
      for await (const part of down.body!) received += (part as Uint8Array).byteLength;
      expect(received).toBe(size);

      // VmHWM is the peak resident size; garbage from streamed chunks is collected lazily (~50 MB),
      // buffering either body whole would add 100+ MB
      expect(peakResidentMb(proc.child.pid!) - baseline).toBeLessThan(70);
    } finally {
      await proc.stop();
    }
  }, 60_000);

  it.each(['/api/../auth/logout', '/api/a/%2e%2e/b', '/api/a/%2E%2E', '/api/./x', '/api/a\\b'])('refuses the raw path %j with 400', async (path) => {
    const status = await new Promise<number>((resolve, reject) => {
      const target = new URL(bff.url);
      httpRequest({ host: target.hostname, port: target.port, path, headers: { cookie, 'x-csrf': '1' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(400);
    expect(upstream.seen).toHaveLength(0);
  });

  it('answers 403 csrf_header_missing without X-CSRF: 1 and does not call the upstream', async () => {
    const res = await fetch(`${bff.url}/api/things`, { headers: { cookie } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'csrf_header_missing', status: 403 });
    const wrong = await fetch(`${bff.url}/api/things`, { method: 'POST', headers: { cookie, 'x-csrf': '0' } });
    expect(wrong.status).toBe(403);
    expect(upstream.seen).toHaveLength(0);
  });

  it('answers 401 unauthenticated with no session and no bearer token', async () => {
    const res = await fetch(`${bff.url}/api/things`, { headers: { 'x-csrf': '1', 'x-request-id': 'trace-401' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'unauthenticated', requestId: 'trace-401' });
    const unknown = await fetch(`${bff.url}/api/things`, { headers: { 'x-csrf': '1', cookie: 'bff.sid=s%3Anope.nope' } });
    expect(unknown.status).toBe(401);
    expect(upstream.seen).toHaveLength(0);
  });

  it('answers 504 upstream_timeout when the upstream is slower than UPSTREAM_TIMEOUT_MS', async () => {
    const res = await api('/slow?ms=2000');
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'upstream_timeout' });
  });
});

describe('an unreachable upstream', () => {
  it('answers 502 upstream_unavailable', async () => {
    const down = await startBff({ issuer: idp.issuer, upstreamUrl: 'http://127.0.0.1:9' });
    try {
      const session = await signInAs(down);
      const res = await fetch(`${down.url}/api/x`, { headers: { cookie: session.cookie, 'x-csrf': '1' } });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ code: 'upstream_unavailable', status: 502 });
    } finally {
      await down.close();
    }
  });
});
