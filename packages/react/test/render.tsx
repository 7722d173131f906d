// Renders hooks and components the way a page served by the BFF runs them: the page's fetch and
// WebSocket (relative URLs at the BFF's origin, its cookies; see @app/bff-testing's browser.ts)
// and a fresh QueryClient that does not retry, in each test.
import { browserFetch, browserWebSocket, CookieJar, type SentRequest, type SocketLog, type Stack } from '@app/bff-testing';
import { createBffClient } from '@app/bff-client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { BffClientProvider } from '@app/react';

/** A page at the stack's origin with `jar`'s cookies (signed out when none); `baseUrl` points its BFF client and sockets elsewhere. */
export function page(stack: Stack, jar = new CookieJar(), options: { baseUrl?: string } = {}) {
  const sent: SentRequest[] = [];
  const sockets: SocketLog = { opened: [] };
  vi.stubGlobal('fetch', browserFetch(stack.url, jar, sent));
  vi.stubGlobal('WebSocket', browserWebSocket(options.baseUrl ?? stack.url, jar, sockets));
  vi.stubGlobal('Request', pageRequest(stack.url));
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false }, mutations: { retry: false } } });
  const client = createBffClient({ baseUrl: options.baseUrl ?? stack.url });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>
      <BffClientProvider client={client}>{children}</BffClientProvider>
    </QueryClientProvider>
  );
  const requestsTo = (pathname: string) => sent.filter((r) => new URL(r.url).pathname === pathname);
  return {
    jar,
    sent,
    sockets,
    queryClient,
    client,
    requestsTo,
    renderHook: <T,>(hook: () => T) => renderHook(hook, { wrapper }),
    render: (ui: ReactNode) => render(ui, { wrapper }),
  };
}

/** A page's `Request`: a relative URL resolves against the page's origin (Node's has no page). */
function pageRequest(origin: string): typeof Request {
  return class PageRequest extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === 'string' ? new URL(input, origin) : input, init);
    }
  };
}
const NodeRequest = globalThis.Request;

/** Replaces `window.location` with a copy whose `assign` is a spy (jsdom cannot navigate). */
export function spyOnNavigation() {
  const assign = vi.fn<(url: string) => void>();
  const { origin, href, pathname, search, hash, protocol, host } = window.location;
  vi.stubGlobal('location', { origin, href, pathname, search, hash, protocol, host, assign });
  return assign;
}
