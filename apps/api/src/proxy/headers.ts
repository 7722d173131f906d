import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { traceHeaders } from '../telemetry/propagation.js';
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
 * span becomes the upstream's parent, telemetry/propagation.ts).
 */
const REQUEST_DROPPED = new Set<string>([
  'cookie',
  'authorization',
  'x-csrf',
  'host',
  'expect',
  'traceparent',
  'tracestate',
  ...CLIENT_FORWARDING_HEADERS,
  // what forward auth and ingresses tell a service about a request: a caller must not write it
  // for an upstream that also sits behind forward auth (contract: "Forward auth for an existing proxy")
  'x-forwarded-uri',
  'x-forwarded-method',
]);
/**
 * Header families never forwarded, by prefix: `X-Auth-Request-*` (forward auth's user headers),
 * `X-Original-*` (nginx's original URI and method), `X-Forwarded-*` (the BFF builds its own, and
 * oauth2-proxy's `X-Forwarded-User/-Groups/-Email/-Access-Token` say who the user is), and the
 * `Remote-*` / `X-Remote-*` identity headers of Authelia and Apache.
 */
const REQUEST_DROPPED_PREFIXES = ['x-auth-request-', 'x-original-', 'x-forwarded-', 'x-remote-', 'remote-'];

/**
 * True for a request header the upstream never gets from the caller. A name with `_` is dropped
 * too (nginx's default): CGI, WSGI and Rack servers read `X_Auth_Request_User` exactly as
 * `X-Auth-Request-User`, so an underscore spelling would slip past every rule above.
 */
function droppedRequestHeader(name: string): boolean {
  if (REQUEST_DROPPED.has(name) || name.includes('_')) return true;
  const first = name.charCodeAt(0);
  // most names start with neither `x` nor `r`: one character compare before the prefix scan
  return (first === 0x78 || first === 0x72) && REQUEST_DROPPED_PREFIXES.some((prefix) => name.startsWith(prefix));
}
/**
 * Never passed back to the browser: hop-by-hop headers, CORS grants and every `Set-Cookie`. The BFF owns the
 * cookies of its origin: an upstream cookie could replace the session cookie (session swapping),
 * and it would be useless anyway, since the browser's `Cookie` header never reaches an upstream.
 */
const RESPONSE_DROPPED = new Set([
  ...HOP_BY_HOP,
  'set-cookie',
  // the BFF serves one origin: an upstream's CORS grant would let another site (a sibling subdomain
  // is same-site, so SameSite=Lax does not stop it) make cookie calls with X-CSRF and read the answers
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-expose-headers',
  'access-control-max-age',
]);

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
    if (value === undefined || HOP_BY_HOP.has(name) || droppedRequestHeader(name) || listed.has(name)) continue;
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
