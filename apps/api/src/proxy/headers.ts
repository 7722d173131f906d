import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

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
/** Never forwarded upstream: the browser's cookies, the caller's credentials (replaced), our CSRF marker, `host` and `expect` (undici sets or refuses them). */
const REQUEST_DROPPED = new Set(['cookie', 'authorization', 'x-csrf', 'host', 'expect']);

function connectionListed(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  if (!value) return new Set();
  return new Set(
    String(value)
      .split(',')
      .map((s) => s.trim().toLowerCase()),
  );
}

/** Headers for the upstream request: the caller's, minus hop-by-hop and dropped ones, plus the bearer token and X-Forwarded-*. */
export function upstreamRequestHeaders(req: IncomingMessage, accessToken: string, forwardedProto: string): Record<string, string | string[]> {
  const listed = connectionListed(req.headers);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || REQUEST_DROPPED.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  const remote = req.socket.remoteAddress ?? '';
  const prior = req.headers['x-forwarded-for'];
  out['x-forwarded-for'] = prior ? `${String(prior)}, ${remote}` : remote;
  out['x-forwarded-proto'] ??= forwardedProto;
  if (req.headers.host) out['x-forwarded-host'] ??= req.headers.host;
  out.authorization = `Bearer ${accessToken}`;
  return out;
}

/** Response headers passed back to the caller: all but hop-by-hop ones. */
export function downstreamResponseHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const listed = connectionListed(headers as IncomingHttpHeaders);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  return out;
}
