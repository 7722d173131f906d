import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, expect, vi } from 'vitest';
import { sentRequests, server } from './server';

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));

/** MSW cannot answer WebSockets: components get one that never connects (the live feed's own test uses a real server). */
class InertWebSocket extends EventTarget {
  readonly readyState = 0;
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  constructor(readonly url: string) {
    super();
  }
  send(): void {}
  close(): void {}
}
/** A page's `Request`: a relative URL resolves against the page (Node's has no page to resolve against). */
const NodeRequest = globalThis.Request;
class PageRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === 'string' ? new URL(input, window.location.href) : input, init);
  }
}

beforeEach(() => {
  vi.stubGlobal('WebSocket', InertWebSocket);
  vi.stubGlobal('Request', PageRequest);
});

afterEach(() => {
  cleanup();
  // Applies to every test: no call may leave without the CSRF header or the session cookie.
  for (const request of sentRequests) {
    expect.soft(request.headers.get('x-csrf'), `${request.method} ${request.url}`).toBe('1');
    expect.soft(request.credentials, `${request.method} ${request.url}`).toBe('same-origin');
  }
  sentRequests.length = 0;
  server.resetHandlers();
  window.history.replaceState(null, '', '/');
});

afterAll(() => server.close());
