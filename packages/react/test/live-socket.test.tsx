// useLiveSocket through a real BFF to the demo upstream's /live WebSocket: the BFF's 4401 when
// the session ends, a BFF that stops (bounded, jittered reconnects: no storm) and one that
// restarts. Here 4403 comes from a plain WebSocket server (any server may send it); the BFF's own
// 4403 is in live-forbidden.test.tsx.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from '@testing-library/react';
import { useEffect } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { CookieJar, startStack, type Stack } from '@app/bff-testing';
import { DEFAULT_RECONNECT, reconnectDelay, useLiveSocket, useSession, type LiveSocket } from '@app/react';
import { page } from './render.js';

let stack: Stack;
beforeAll(async () => {
  // room for the storm tests' sockets (the default is 10 per session, upstream legs included)
  stack = await startStack({ env: { MAX_WEBSOCKETS_PER_SESSION: '40' } });
});
afterAll(async () => {
  await stack?.stop();
});

interface Tick {
  type: 'tick';
  user: string;
  tick: number;
}

describe('useLiveSocket through the BFF', () => {
  it('opens with the session cookie and receives the upstream’s messages', async () => {
    const { renderHook } = page(stack, await stack.signIn('alice'));
    const { result } = renderHook(() => useLiveSocket<Tick>('/api/live'));
    await waitFor(() => expect(result.current.status).toBe('open'));
    await waitFor(() => expect(result.current.lastMessage).toMatchObject({ type: 'tick', user: 'alice' }));
    expect(result.current.connections).toBe(1);
  });

  it('stops at 4401 when the session ends, and useSession() then says unauthenticated', async () => {
    const { renderHook, client, sockets } = page(stack, await stack.signIn('bob'));
    const { result } = renderHook(() => ({ live: useLiveSocket<Tick>('/api/live'), session: useSession() }));
    await waitFor(() => expect(result.current.live.status).toBe('open'));
    expect(result.current.session.status).toBe('authenticated');

    await client.logout(); // e.g. signed out in another tab: the BFF closes the session's sockets

    await waitFor(() => expect(result.current.live).toMatchObject({ status: 'ended', closeCode: 4401 }), { timeout: 12_000 });
    await waitFor(() => expect(result.current.session.status).toBe('unauthenticated'));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sockets.opened).toHaveLength(1); // no reconnect after 4401
  });
});

describe('when the BFF goes away', () => {
  const SOCKETS = 8;
  // short waits so that the attempts run out within the test
  const policy = { maxAttempts: 6, baseDelayMs: 400, maxDelayMs: 3_000, stableAfterMs: 500 };
  // waits long enough (at least 15.5 s in all) to outlast a restart on a busy machine
  const patient = { maxAttempts: 6, baseDelayMs: 1_000, maxDelayMs: 8_000, stableAfterMs: 500 };

  /** N sockets of one page, like N components (or tabs' worth of them) on one BFF. */
  function Many({ onState, reconnect = policy }: { onState: (i: number, s: LiveSocket<Tick>) => void; reconnect?: typeof policy }) {
    return (
      <>
        {Array.from({ length: SOCKETS }, (_, i) => (
          <One key={i} index={i} onState={onState} reconnect={reconnect} />
        ))}
      </>
    );
  }
  function One({ index, onState, reconnect }: { index: number; onState: (i: number, s: LiveSocket<Tick>) => void; reconnect: typeof policy }) {
    const live = useLiveSocket<Tick>('/api/live', { reconnect });
    useEffect(() => {
      onState(index, live);
    });
    return null;
  }

  it('retries a bounded number of times with jittered backoff, then gives up: no reconnect storm', async () => {
    const { render, sockets } = page(stack, await stack.signIn('alice'));
    const states: LiveSocket<Tick>[] = [];
    render(<Many onState={(i, s) => (states[i] = s)} />);
    await waitFor(() => expect(states.filter((s) => s?.status === 'open')).toHaveLength(SOCKETS));
    expect(sockets.opened).toHaveLength(SOCKETS);

    const stoppedAt = Date.now();
    await stack.bff.stop();
    try {
      await waitFor(() => expect(states.map((s) => s.status)).toEqual(Array(SOCKETS).fill('failed')), { timeout: 20_000, interval: 200 });
      const handshakes = sockets.opened.filter((t) => t >= stoppedAt);
      // measured: exactly maxAttempts handshakes per socket while the BFF was down, none after
      expect(handshakes).toHaveLength(SOCKETS * policy.maxAttempts);
      await new Promise((r) => setTimeout(r, 2_000));
      expect(sockets.opened.filter((t) => t >= stoppedAt)).toHaveLength(SOCKETS * policy.maxAttempts);
      // the first retries spread over the jitter window instead of landing together
      const firstRetries = handshakes.slice(0, SOCKETS).map((t) => t - stoppedAt);
      expect(Math.max(...firstRetries) - Math.min(...firstRetries)).toBeGreaterThan(20);
      expect(Math.min(...firstRetries)).toBeGreaterThanOrEqual(policy.baseDelayMs / 2 - 5);
      // elapsed ≥ the sum of the minimal waits: the backoff really waited
      const last = Math.max(...handshakes) - stoppedAt;
      expect(last).toBeGreaterThanOrEqual([1, 2, 3, 4, 5, 6].reduce((sum, n) => sum + reconnectDelay(n, policy, () => 0), 0) - 50);
    } finally {
      await stack.bff.start();
    }
  });

  it('comes back after a restart of the BFF within its attempts, every socket once', async () => {
    const { render, sockets } = page(stack, await stack.signIn('alice'));
    const states: LiveSocket<Tick>[] = [];
    render(<Many onState={(i, s) => (states[i] = s)} reconnect={patient} />);
    await waitFor(() => expect(states.filter((s) => s?.status === 'open')).toHaveLength(SOCKETS));

    const restartedAt = Date.now();
    await stack.bff.stop();
    await stack.bff.start(); // a few seconds on a busy machine: the sockets keep waiting meanwhile

    await waitFor(() => expect(states.map((s) => s.status)).toEqual(Array(SOCKETS).fill('open')), { timeout: 30_000, interval: 200 });
    expect(states.every((s) => s.connections === 2)).toBe(true);
    const handshakes = sockets.opened.filter((t) => t >= restartedAt).length;
    expect(handshakes).toBeGreaterThanOrEqual(SOCKETS);
    expect(handshakes).toBeLessThanOrEqual(SOCKETS * patient.maxAttempts);
  });
});

describe('4403 from any server, and the backoff', () => {
  let server: Server;
  let wss: WebSocketServer;
  let origin: string;
  beforeAll(async () => {
    server = createServer();
    wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => ws.close(4403, 'forbidden'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => wss.close(() => server.close(() => resolve())));
  });

  it('treats 4403 as forbidden and does not reconnect', async () => {
    const { renderHook, sockets } = page(stack, new CookieJar(), { baseUrl: origin });
    const { result } = renderHook(() => useLiveSocket('/api/live'));
    await waitFor(() => expect(result.current).toMatchObject({ status: 'forbidden', closeCode: 4403 }));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sockets.opened).toHaveLength(1);
  });

  it('waits between half and all of an exponentially growing, capped window', () => {
    expect([1, 2, 3, 4].map((n) => reconnectDelay(n, DEFAULT_RECONNECT, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((n) => reconnectDelay(n, DEFAULT_RECONNECT, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(reconnectDelay(20, DEFAULT_RECONNECT, () => 1)).toBe(DEFAULT_RECONNECT.maxDelayMs);
    const samples = Array.from({ length: 200 }, () => reconnectDelay(3));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(4_000);
    expect(new Set(samples).size).toBeGreaterThan(50);
  });
});

