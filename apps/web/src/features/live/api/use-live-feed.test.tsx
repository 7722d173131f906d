import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import { BffClientProvider, createBffClient } from '@app/react';
import type { ReactNode } from 'react';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { server as msw } from '../../../testing/server';
import { LivePanel } from '../components/live-panel';
import { AppProvider } from '../../../app/provider';
import { createQueryClient } from '../../../lib/query-client';
import { parseLiveTick, useLiveFeed } from './use-live-feed';

// The hook against a real WebSocket server (MSW cannot do WebSockets): jsdom's own WebSocket.
let server: Server;
let wss: WebSocketServer;
let origin: string;
// The app's providers, with the BFF client pointed at the test's WebSocket server.
const wrapper = ({ children }: { children: ReactNode }) => (
  <AppProvider queryClient={createQueryClient({ retry: false })}>
    <BffClientProvider client={createBffClient({ baseUrl: origin })}>{children}</BffClientProvider>
  </AppProvider>
);
const connections: ServerSocket[] = [];
const tick = (n: number) => JSON.stringify({ type: 'tick', user: 'alice', tick: n, at: new Date(0).toISOString(), tokenExpiresAt: null });

// MSW intercepts WebSockets too while it listens: off for this file, so the socket is real
beforeAll(() => msw.close());
afterAll(() => msw.listen({ onUnhandledRequest: 'error' }));

beforeEach(async () => {
  vi.unstubAllGlobals(); // the real (jsdom) WebSocket, not the inert one of src/testing/setup.ts
  server = createServer();
  wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    connections.push(ws);
    ws.send(tick(connections.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  for (const ws of wss.clients) ws.terminate();
  connections.length = 0;
  await new Promise<void>((resolve) => wss.close(() => server.close(() => resolve())));
});

describe('useLiveFeed', () => {
  it('opens, shows the latest tick, and reconnects after an ordinary close', async () => {
    const { result } = renderHook(() => useLiveFeed(), { wrapper });
    await waitFor(() => expect(result.current).toMatchObject({ status: 'open', connections: 1, last: { user: 'alice', tick: 1 } }));
    act(() => connections[0]!.close(4001, 'token expired'));
    await waitFor(() => expect(result.current.status).toBe('reconnecting'));
    await waitFor(() => expect(result.current).toMatchObject({ status: 'open', connections: 2, last: { tick: 2 } }), { timeout: 3_000 });
  });

  it('stops at 4401 and says the session ended, without reconnecting', async () => {
    render(<LivePanel />, { wrapper });
    expect(await screen.findByText(/alice · tick 1/)).toBeInTheDocument();
    act(() => connections[0]!.close(4401, 'session ended'));
    expect(await screen.findByText('Session ended')).toBeInTheDocument();
    expect(screen.queryByTestId('live-tick')).toBeNull();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(connections).toHaveLength(1);
  });

  it('ignores messages that are not ticks, and closes its socket on unmount', async () => {
    const { result, unmount } = renderHook(() => useLiveFeed(), { wrapper });
    await waitFor(() => expect(result.current.last?.tick).toBe(1));
    act(() => {
      connections[0]!.send('not json');
      connections[0]!.send(JSON.stringify({ type: 'tick', user: 7 }));
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(result.current.last?.tick).toBe(1);
    const closed = new Promise<number>((resolve) => connections[0]!.once('close', (code) => resolve(code)));
    unmount();
    expect(await closed).toBe(1000);
  });

  it('reads ticks only from well-formed messages', () => {
    expect(parseLiveTick(tick(3))).toMatchObject({ type: 'tick', tick: 3 });
    expect(parseLiveTick('{"type":"tick"}')).toBeUndefined();
    expect(parseLiveTick(new ArrayBuffer(2))).toBeUndefined();
  });
});
