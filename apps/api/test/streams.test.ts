import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';

// Issue 10 (contract: "WebSockets and streams"): streamed responses reach the client as the
// upstream sends them, and the route's timeout bounds only the wait for the response headers.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
let cookie: string;
const ROUTE_TIMEOUT_MS = 500;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  bff = await startBff({
    issuer: idp.issuer,
    keyPrefix: testPrefix(),
    env: { API_ROUTES: JSON.stringify([{ prefix: '/api', upstream: upstream.url, timeoutMs: ROUTE_TIMEOUT_MS }]) },
  });
  ({ cookie } = await signInAs(bff, 'alice'));
});
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});

/** Reads a response body and notes when each server-sent event (`data:` line) arrived, in ms after `started`. */
async function eventArrivals(res: Response, started: number): Promise<{ arrivals: number[]; ns: number[] }> {
  const arrivals: number[] = [];
  const ns: number[] = [];
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const event = text.slice(0, end);
      text = text.slice(end + 2);
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (!data) continue;
      arrivals.push(Date.now() - started);
      ns.push((JSON.parse(data) as { n: number }).n);
    }
  }
  return { arrivals, ns };
}

describe('server-sent events through /api', () => {
  it('deliver each event as the upstream sends it: the first arrives long before the stream ends', async () => {
    const started = Date.now();
    const res = await fetch(`${bff.url}/api/events?n=10&every=200`, { headers: { cookie, 'x-csrf': '1', accept: 'text/event-stream' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const { arrivals, ns } = await eventArrivals(res, started);
    expect(ns).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const ended = Date.now() - started;
    expect(ended).toBeGreaterThanOrEqual(1_900);
    // unbuffered: the first event ~200 ms in, each next one ~200 ms later, never all at the end
    expect(arrivals[0]).toBeLessThan(700);
    expect(ended - arrivals[0]!).toBeGreaterThan(1_400);
    expect(arrivals[4]).toBeLessThan(1_500);
    expect(upstream.seen.at(-1)?.headers.cookie).toBeUndefined();
  });

  it(`is not cut by the route's timeoutMs (${ROUTE_TIMEOUT_MS} ms): a 3.5 s stream with 700 ms gaps runs to its end`, async () => {
    const started = Date.now();
    const res = await fetch(`${bff.url}/api/events?n=5&every=700`, { headers: { cookie, 'x-csrf': '1' } });
    const { ns } = await eventArrivals(res, started);
    expect(ns).toEqual([1, 2, 3, 4, 5]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_400);
  });

  it('still answers 504 when the response headers take longer than timeoutMs', async () => {
    const started = Date.now();
    const res = await fetch(`${bff.url}/api/slow?ms=2000`, { headers: { cookie, 'x-csrf': '1' } });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('stops the upstream stream when the client goes away', async () => {
    const req = request(`${bff.url}/api/events?n=50&every=100`, { headers: { cookie, 'x-csrf': '1' } });
    const firstChunk = new Promise<void>((resolve) => req.on('response', (res) => res.once('data', () => resolve())));
    req.end();
    await firstChunk;
    expect(upstream.openStreams()).toBe(1);
    const left = Date.now();
    req.destroy();
    while (upstream.openStreams() > 0 && Date.now() - left < 2_000) await new Promise((r) => setTimeout(r, 20));
    expect(upstream.openStreams()).toBe(0);
  });
});
