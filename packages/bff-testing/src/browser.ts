// What a browser page served by the BFF has and Node has not, for tests that run client code in
// Node (jsdom) against the real BFF: a fetch that resolves relative URLs against the page's origin
// and keeps that origin's cookies, and a WebSocket that sends the page's Origin and cookies on the
// handshake. They change nothing else: every request reaches the real BFF.
import { WebSocket as NodeWebSocket } from 'ws';
import type { CookieJar } from './cookie-jar.js';

// Node's own fetch, taken when this module loads, before a test puts a page's fetch in its place.
const nodeFetch = globalThis.fetch;

/** A request as the page sent it. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Headers;
  credentials: NonNullable<RequestInit['credentials']>;
}

/** Re-creates an abort signal of another realm (jsdom's) as one Node's fetch accepts. */
function nodeSignal(signal: AbortSignal | null | undefined): AbortSignal | undefined {
  if (!signal) return undefined;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}

/**
 * A page's `fetch` at `origin` with the cookie `jar`: relative URLs resolve against `origin`;
 * same-origin requests (unless `credentials: 'omit'`) carry and update the jar, as a browser's do.
 * Every request is appended to `sent`.
 */
export function browserFetch(origin: string, jar: CookieJar, sent: SentRequest[] = []): typeof fetch {
  const page = new URL(origin);
  return async (input, init) => {
    const { signal, ...rest } = init ?? {};
    const source = input instanceof Request ? input : undefined;
    const url = new URL(source ? source.url : String(input), page);
    const method = rest.method ?? source?.method ?? 'GET';
    const headers = new Headers(source?.headers);
    new Headers(rest.headers).forEach((value, name) => headers.set(name, value));
    const credentials = rest.credentials ?? source?.credentials ?? 'same-origin';
    const body = rest.body ?? (source && method !== 'GET' && method !== 'HEAD' ? await source.arrayBuffer() : undefined);
    sent.push({ method, url: url.href, headers: new Headers(headers), credentials });
    const withCookies = url.origin === page.origin && credentials !== 'omit';
    const cookie = withCookies ? jar.header() : undefined;
    if (cookie) headers.set('cookie', cookie);
    const response = await nodeFetch(url, { method, headers, body: body ?? null, redirect: rest.redirect ?? 'follow', signal: nodeSignal(signal ?? source?.signal) ?? null });
    if (withCookies) jar.store(response);
    return response;
  };
}

/** Counts of a {@link browserWebSocket} class: handshakes started, by the time they started. */
export interface SocketLog {
  opened: number[];
}

/**
 * A page's `WebSocket` at `origin` with the cookie `jar` (a class, to put on `globalThis`): relative
 * URLs resolve against the origin (ws: for http:), the handshake sends `Origin` and the cookies.
 */
export function browserWebSocket(origin: string, jar: CookieJar, log: SocketLog = { opened: [] }): typeof WebSocket {
  const page = new URL(origin);
  class BrowserWebSocket extends NodeWebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      const url = new URL(String(address), page);
      if (url.protocol === 'http:') url.protocol = 'ws:';
      if (url.protocol === 'https:') url.protocol = 'wss:';
      const cookie = url.host === page.host ? jar.header() : undefined;
      super(url, protocols, { origin: page.origin, headers: cookie ? { cookie } : {} });
      log.opened.push(Date.now());
      // a browser reports a failed handshake as an `error` event and then `close` (1006), never as a throw
      this.on('error', () => undefined);
    }
  }
  return BrowserWebSocket as unknown as typeof WebSocket;
}
