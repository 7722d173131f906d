import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { HTTP_LIMITS } from '../src/http/http-server.js';
import { signInAs, startBff, type TestBff } from './support/bff.js';
import { rawRequest } from './support/raw-http.js';
import { startRecordingUpstream } from './support/recording-upstream.js';

let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
let target: { host: string; port: number };

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url });
  const url = new URL(bff.url);
  target = { host: url.hostname, port: Number(url.port) };
});
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});

const request = (lines: string[], body = '') => `${lines.join('\r\n')}\r\n\r\n${body}`;

describe('header limits of the shared HTTP server', () => {
  it('the test harness runs on the same server settings as the production entry point', () => {
    expect((bff.server as Server & { maxHeaderSize?: number }).maxHeaderSize).toBe(HTTP_LIMITS.maxHeaderSize); // untyped in @types/node
    expect(bff.server.headersTimeout).toBe(HTTP_LIMITS.headersTimeout);
    expect(bff.server.requestTimeout).toBe(HTTP_LIMITS.requestTimeout);
    expect(bff.server.keepAliveTimeout).toBe(HTTP_LIMITS.keepAliveTimeout);
  });

  it('answers 431 to request headers over 16 kB before any handler runs, and serves 15 kB of headers', async () => {
    const big = await rawRequest(target, request(['GET /healthz HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(17 * 1024)}`, 'Connection: close']));
    expect(big.status).toBe(431);
    const fits = await rawRequest(target, request(['GET /healthz HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(15 * 1024)}`, 'Connection: close']));
    expect(fits.status).toBe(200);
  });
});

describe('body limits of the auth routes', () => {
  it('answers 413 payload_too_large from the Content-Length alone, without waiting for the 50 MB it announces', async () => {
    const res = await rawRequest(
      target,
      request(['POST /auth/logout HTTP/1.1', 'Host: x', 'X-CSRF: 1', 'Content-Type: application/json', 'Content-Length: 50000000'], '{"everywhere": true'),
      { timeoutMs: 2_000 },
    );
    expect(res.outcome).toBe('response');
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'payload_too_large', status: 413 });
  });

  it('answers 413 to a 1,025-byte body on /auth/login and to a chunked body on /auth/logout', async () => {
    const login = await rawRequest(target, request(['GET /auth/login HTTP/1.1', 'Host: x', 'Content-Length: 1025'], 'x'.repeat(1025)));
    expect(login.status).toBe(413);
    const chunked = await rawRequest(target, request(['POST /auth/logout HTTP/1.1', 'Host: x', 'X-CSRF: 1', 'Transfer-Encoding: chunked'], '5\r\nhello\r\n0\r\n\r\n'));
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body.toString())).toMatchObject({ code: 'payload_too_large' });
  });

  it('accepts a body of exactly 1 kB on POST /auth/logout', async () => {
    const frame = JSON.stringify({ everywhere: true, pad: '' });
    const body = frame.replace('""', `"${'p'.repeat(1024 - Buffer.byteLength(frame))}"`);
    expect(Buffer.byteLength(body)).toBe(1024);
    const res = await fetch(`${bff.url}/auth/logout`, { method: 'POST', body, headers: { 'x-csrf': '1', 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty('logoutUrl');
  });

  it('leaves /api/* bodies unlimited: 4 MB stream through to the upstream', async () => {
    const { cookie } = await signInAs(bff);
    const size = 4 * 1024 * 1024;
    const res = await fetch(`${bff.url}/api/echo`, { method: 'POST', body: Buffer.alloc(size, 1), headers: { cookie, 'x-csrf': '1' } });
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(size);
  });
});
