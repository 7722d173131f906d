import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '@app/shared-types';
import { clientBucket } from '../http/client-bucket.js';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Forwarding } from '../proxy/forwarding.js';
import type { AccessDeps } from '../routing/access.js';
import type { RouteTable } from '../routing/route-table.js';
import type { LiveConnections } from '../live/live-connections.js';
import { toAppError } from './error-sink.js';
import { AppError, logError } from '../http/errors.js';
import { problemResponse, type ProblemMembers } from '../http/problem.js';
import { isApiTarget } from '../telemetry/route-group.js';
import { upstreamRequestHeaders } from '../proxy/headers.js';
import { authorize, type Access } from '../routing/access.js';
import type { RouteMatch } from '../routing/route-table.js';
import { setCookieHeader } from '../session/cookie.js';

/** What a WebSocket upgrade needs: the access policy, the route table, forwarding headers, the live registry. */
export interface UpgradeDeps extends AccessDeps {
  routes: Pick<RouteTable, 'resolve'>;
  forwarding: Forwarding;
  live: Pick<LiveConnections, 'shuttingDown' | 'size' | 'reserve' | 'open' | 'maxPerKey'>;
  logger: Logger;
  config: AccessDeps['config'] & Config;
}

/** Response headers of the upstream's handshake never passed to the client. */
const DROPPED_RESPONSE_HEADERS = new Set(['set-cookie', 'keep-alive', 'transfer-encoding', 'proxy-authenticate']);
/** Largest body of a refused upstream handshake relayed to the client. */
const MAX_REFUSAL_BODY = 64 * 1024;

/**
 * `Upgrade: websocket` on `/api/*` (the server's `upgrade` event): the route table matches the
 * target as for HTTP (`400`, `404`; a route without `"websocket": true` refuses with `400`), the
 * access module decides with the route's token policy, a cookie handshake's `Origin` standing in
 * for `X-CSRF` (it must be exactly `PUBLIC_URL`'s origin; browsers cannot add headers to a
 * handshake), the access token refreshed first. The upstream handshake carries
 * `Authorization: Bearer …` and never the browser's cookie; once it answers `101`, the two
 * sockets are relayed byte for byte (docs/adr/0006-websocket-proxy.md). Refusals are problem+json
 * written on the socket before it is closed.
 * @see https://www.rfc-editor.org/rfc/rfc6455#section-4
 */
export async function handleUpgrade(deps: UpgradeDeps, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  socket.on('error', () => undefined);
  const url = req.url ?? '/';
  const refuse = (code: ErrorCode, detail?: string, headers: Record<string, string> = {}, members?: ProblemMembers) => {
    deps.logger.info({ event: 'websocket', outcome: 'refused', code, route: routeLabel }, 'WebSocket handshake refused');
    endSocket(socket, problemResponse(code, detail, headers, members));
  };
  let routeLabel: string | undefined = undefined;
  if (deps.live.shuttingDown) return refuse('shutting_down', 'This instance is shutting down; connect again.', { 'retry-after': '1' });
  if (!isApiTarget(url)) return refuse('not_found', 'WebSockets are proxied under /api only.');
  if (req.method !== 'GET' || !/\bwebsocket\b/i.test(String(req.headers.upgrade ?? ''))) return refuse('bad_request', 'Only WebSocket upgrades (GET, Upgrade: websocket) are accepted.');
  const resolved = deps.routes.resolve(url);
  if (resolved.kind === 'bad_request') return refuse('bad_request', resolved.reason);
  if (resolved.kind === 'not_found') return refuse('not_found', 'No API route matches this path.');
  routeLabel = resolved.route.prefix;
  if (!resolved.route.websocket) return refuse('bad_request', 'This route does not accept WebSocket upgrades.');

  let access: Access;
  try {
    access = await authorize(deps, req, resolved.route, { kind: 'origin', origin: deps.config.publicUrl });
  } catch (err) {
    // as on /api/*: Redis down answers 503 session_store_unavailable, never a hang or a reset
    const error = toAppError(err);
    logError(deps.logger, error, { event: 'websocket', route: routeLabel }, 'WebSocket handshake failed');
    return refuse(error.code, error.detail);
  }
  // a refused handshake clears a cookie that named a gone session; a re-signed one waits for /api/* or /session
  const cookie = access.cookie?.kind === 'clear' ? setCookieHeader(access.cookie) : undefined;
  if (access.kind === 'denied') return refuse(access.code, access.detail, cookie, access.members);
  if (socket.destroyed) return; // the client left while we were deciding
  // per session, else per client address (bearer and anonymous callers): sockets and handshakes under way
  // an IPv6 client is counted by its /64, as the rate limiter counts it (one subscriber holds a whole /64)
  const holder = access.credential?.kind === 'session' ? `session:${access.credential.sid}` : `address:${clientBucket(deps.clientIp(req))}`;
  const release = deps.live.reserve(holder);
  if (!release) {
    return refuse('rate_limited', `At most ${deps.live.maxPerKey} WebSockets may be open per session (or client address) at once.`, { 'retry-after': '5', ...cookie });
  }
  connectUpstream(deps, req, socket as Socket, head, resolved, access, release);
}

/** Opens the upstream handshake and, on `101`, hands both sockets to the live registry. */
function connectUpstream(deps: UpgradeDeps, req: IncomingMessage, client: Socket, head: Buffer, match: RouteMatch, access: Extract<Access, { kind: 'granted' }>, release: () => void): void {
  const headers = upstreamRequestHeaders(req, access.token, deps.forwarding);
  headers.connection = 'Upgrade';
  headers.upgrade = 'websocket';
  const target = new URL(match.upstreamPath, match.origin);
  const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: 'GET', headers, agent: false });
  let settled = false;
  const fail = (code: Extract<ErrorCode, 'upstream_timeout' | 'upstream_unavailable'>, cause?: unknown) => {
    if (settled) return;
    settled = true;
    release();
    request.destroy();
    logError(deps.logger, new AppError(code, undefined, { cause }), { event: 'websocket', outcome: code, route: match.route.prefix }, 'upstream WebSocket handshake failed');
    endSocket(client, problemResponse(code));
  };
  const timer = setTimeout(() => fail('upstream_timeout'), match.route.timeoutMs);
  const clientLeft = () => {
    if (!settled) {
      settled = true;
      release();
      clearTimeout(timer);
      request.destroy();
    }
  };
  client.once('close', clientLeft);
  request.on('error', (err) => fail('upstream_unavailable', err));
  request.on('response', (res) => {
    // the upstream refused the handshake (401, 403, 404…): pass its answer on, then close
    if (settled) return res.destroy();
    settled = true;
    release();
    clearTimeout(timer);
    relayRefusal(client, res);
  });
  request.on('upgrade', (res, upstream: Socket, upstreamHead: Buffer) => {
    if (settled) return upstream.destroy();
    settled = true;
    clearTimeout(timer);
    // nothing of the handshake (request, response, route match) stays reachable from a socket that may live for hours
    client.off('close', clientLeft);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    client.write(responseHead(res));
    deps.live.open(client, upstream, { ...ownerOf(access), route: match.route, release });
    // bytes that came with the handshakes go through the relays, so frame tracking starts at byte 0
    if (upstreamHead.length) upstream.unshift(upstreamHead);
    if (head.length) client.unshift(head);
    deps.logger.info({ event: 'websocket', outcome: 'opened', route: match.route.prefix, sockets: deps.live.size }, 'WebSocket opened');
  });
  request.end();
}

function ownerOf(access: Extract<Access, { kind: 'granted' }>): { sid?: string; closeAt?: number } {
  const credential = access.credential;
  if (!credential) return {};
  return credential.kind === 'session' ? { sid: credential.sid, closeAt: credential.expiresAt * 1000 } : { closeAt: credential.expiresAt * 1000 };
}

/** The `101` head for the client: the upstream's status and headers, minus cookies. */
function responseHead(res: IncomingMessage): string {
  let head = `HTTP/1.1 101 ${res.statusMessage || 'Switching Protocols'}\r\n`;
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!;
    if (DROPPED_RESPONSE_HEADERS.has(name.toLowerCase())) continue;
    head += `${name}: ${res.rawHeaders[i + 1]}\r\n`;
  }
  return `${head}\r\n`;
}

function relayRefusal(client: Socket, res: IncomingMessage): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_REFUSAL_BODY) chunks.push(chunk);
    else res.destroy();
  });
  const done = () => {
    const body = Buffer.concat(chunks);
    let head = `HTTP/1.1 ${res.statusCode ?? 502} ${res.statusMessage ?? ''}\r\n`;
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const name = res.rawHeaders[i]!.toLowerCase();
      if (DROPPED_RESPONSE_HEADERS.has(name) || name === 'content-length' || name === 'connection' || name === 'upgrade') continue;
      head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
    }
    head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    endSocket(client, Buffer.concat([Buffer.from(head, 'latin1'), body]));
  };
  res.once('end', done);
  res.once('close', () => {
    if (!res.complete) endSocket(client, undefined);
  });
}

function endSocket(socket: Duplex, data: Buffer | undefined): void {
  if (socket.destroyed) return;
  socket.end(data);
  setTimeout(() => socket.destroy(), 1_000).unref();
}
