import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { traceHeaders } from '../observability/tracing.js';
import { CLIENT_FORWARDING_HEADERS, type Forwarding } from './forwarding.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus those the BFF owns. @see https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/**
 * Never forwarded upstream: the browser's cookies, the caller's credentials (replaced), our CSRF
 * marker, `host` and `expect` (undici sets or refuses them), and every forwarding header the client
 * sent (the BFF builds its own, see forwarding.ts), and the caller's trace context (the BFF's own
 * span becomes the upstream's parent, observability/tracing.ts).
 */
const REQUEST_DROPPED = new Set<string>(['cookie', 'authorization', 'x-csrf', 'host', 'expect', 'traceparent', 'tracestate', ...CLIENT_FORWARDING_HEADERS]);
/**
 * Never passed back to the browser: hop-by-hop headers and every `Set-Cookie`. The BFF owns the
 * cookies of its origin: an upstream cookie could replace the session cookie (session swapping),
 * and it would be useless anyway, since the browser's `Cookie` header never reaches an upstream.
 */
const RESPONSE_DROPPED = new Set([...HOP_BY_HOP, 'set-cookie']);

const NONE: ReadonlySet<string> = new Set();
/**
 * What the usual `Connection` values list, parsed once: every upstream answer on a keep-alive
 * connection carries `Connection: keep-alive`, and a Set per response showed in the profile.
 */
const COMMON_CONNECTION_VALUES = new Map<string, ReadonlySet<string>>(
  ['keep-alive', 'Keep-Alive', 'close', 'Close'].map((value) => [value, new Set([value.toLowerCase()])]),
);

/** The header names the `Connection` header lists (hop-by-hop for this one message). */
export function connectionListed(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const value = headers.connection;
  if (!value) return NONE; // no allocation
  const common = typeof value === 'string' ? COMMON_CONNECTION_VALUES.get(value) : undefined;
  if (common) return common;
  return new Set(
    String(value)
      .split(',')
      .map((s) => s.trim().toLowerCase()),
  );
}

/**
 * Headers for the upstream request: the caller's, minus hop-by-hop and dropped ones, plus the
 * forwarding headers the BFF built, its trace context and, when there is one, the bearer token.
 */
export function upstreamRequestHeaders(req: IncomingMessage, accessToken: string | undefined, forwarding: Forwarding): Record<string, string | string[]> {
  const listed = connectionListed(req.headers);
  const out: Record<string, string | string[]> = {};
  const headers = req.headers;
  // for…in rather than Object.entries: no array of pairs per request
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || REQUEST_DROPPED.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  forwarding.apply(req, out);
  traceHeaders(req, out);
  if (accessToken !== undefined) out.authorization = `Bearer ${accessToken}`;
  return out;
}

/** Response headers passed back to the caller: all but hop-by-hop ones and `Set-Cookie`. */
export function downstreamResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const listed = connectionListed(headers as IncomingHttpHeaders);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || RESPONSE_DROPPED.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}
