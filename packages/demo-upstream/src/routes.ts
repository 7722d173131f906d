// The demo upstream's routes. Each answers from what the request carried, so proxy tests can see
// exactly what the BFF forwarded.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { JWTPayload } from 'jose';

const CHUNK = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789');
const MAX_BYTES = 16 * 1024 ** 3;

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function query(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** The default answer: who called, with which token, and what arrived. */
function hello(req: IncomingMessage, res: ServerResponse, url: URL, claims: JWTPayload): void {
  const now = Math.floor(Date.now() / 1000);
  const username = typeof claims.username === 'string' ? claims.username : 'anonymous';
  sendJson(res, 200, {
    message: `Hello ${username} from the demo upstream`,
    claims: {
      sub: claims.sub,
      username: claims.username,
      client_id: claims.client_id,
      scope: claims.scope,
      groups: claims['cognito:groups'] ?? [],
      token_use: claims.token_use,
    },
    token: {
      issuedAt: claims.iat,
      expiresAt: claims.exp,
      // when the user last signed in: what a step-up route (maxAuthAgeSeconds) judges
      authTime: claims.auth_time,
      secondsRemaining: typeof claims.exp === 'number' ? claims.exp - now : null,
    },
    request: {
      method: req.method,
      path: url.pathname,
      query: query(url),
      // The BFF must never forward the browser's cookies; this makes a leak visible.
      receivedCookies: req.headers.cookie !== undefined,
    },
    servedAt: new Date().toISOString(),
  });
}

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = { 'Content-Type': req.headers['content-type'] ?? 'application/octet-stream' };
  if (req.headers['content-length']) headers['Content-Length'] = req.headers['content-length'];
  res.writeHead(200, headers);
  await pipeline(req, res);
}

async function bytes(res: ServerResponse, url: URL): Promise<void> {
  const n = Number(url.searchParams.get('n') ?? '0');
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_BYTES) {
    return sendJson(res, 400, { error: `n must be an integer between 0 and ${MAX_BYTES}` });
  }
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': n });
  // Generated chunk by chunk, paced by back-pressure: memory stays flat whatever n is.
  const source = Readable.from((function* generate() {
    for (let left = n; left > 0; left -= CHUNK.length) yield left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
  })());
  await pipeline(source, res);
}

function status(res: ServerResponse, code: number): void {
  if (!Number.isInteger(code) || code < 200 || code > 599) return sendJson(res, 400, { error: 'status must be 200-599' });
  if (code === 204 || code === 304) {
    res.writeHead(code);
    res.end();
    return;
  }
  sendJson(res, code, { status: code, message: `demo upstream answered ${code}` });
}

async function slow(req: IncomingMessage, res: ServerResponse, url: URL, claims: JWTPayload): Promise<void> {
  const ms = Math.min(Math.max(Number(url.searchParams.get('ms') ?? '1000') || 0, 0), 600_000);
  const completed = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (completed) hello(req, res, url, claims);
}

/** Dispatches an authenticated request. */
export async function route(req: IncomingMessage, res: ServerResponse, claims: JWTPayload): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://upstream.invalid');
  const { pathname } = url;
  if (req.method === 'POST' && pathname === '/echo') return echo(req, res);
  if (req.method === 'GET' && pathname === '/bytes') return bytes(res, url);
  const statusMatch = /^\/status\/(\d{3})$/.exec(pathname);
  if (statusMatch) return status(res, Number(statusMatch[1]));
  if (pathname === '/slow') return slow(req, res, url, claims);
  if (req.method === 'GET' && pathname === '/headers') return sendJson(res, 200, req.headers);
  return hello(req, res, url, claims);
}
