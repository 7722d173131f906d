import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';

/** What the upstream saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A plain upstream for proxy tests that records every request it receives, so a test can say
 * "the upstream was not called". Routes: /echo (streams the body back), /bytes?n= (streams n
 * bytes), /status/<code>, /slow?ms=, /set-cookie (plants cookies, the session cookie's name included),
 * /cors (a permissive CORS grant), /events?n=&every= (server-sent events: `n` events, one every `every` ms, then the end),
 * anything else → 200 JSON of what it saw.
 */
export async function startRecordingUpstream(): Promise<{ url: string; seen: SeenRequest[]; server: Server; openStreams(): number; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  let openStreams = 0;
  const server = createServer(async (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://upstream');
    try {
      if (url.pathname === '/echo') {
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/octet-stream', 'x-upstream': 'echo' });
        await pipeline(req, res);
        return;
      }
      if (url.pathname === '/bytes') {
        let left = Number(url.searchParams.get('n') ?? '0');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
        const chunk = Buffer.alloc(64 * 1024, 120);
        const write = () => {
          while (left > 0) {
            const n = Math.min(left, chunk.length);
            left -= n;
            if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', write);
          }
          res.end();
        };
        write();
        return;
      }
      const status = /^\/status\/(\d{3})$/.exec(url.pathname);
      if (status) {
        res.writeHead(Number(status[1]), { 'content-type': 'application/json', 'x-custom': 'kept', connection: 'keep-alive, x-hop', 'x-hop': 'dropped' });
        res.end(JSON.stringify({ status: Number(status[1]) }));
        return;
      }
      if (url.pathname === '/set-cookie') {
        res.writeHead(200, {
          'content-type': 'application/json',
          'set-cookie': ['bff.sid=s%3Aplanted.sig; Path=/; HttpOnly', '__Host-bff.sid=planted; Path=/; Secure', 'upstream-pref=dark; Path=/'],
        });
        res.end('{}');
        return;
      }
      if (url.pathname === '/cors') {
        // a permissive CORS grant, as an upstream meant for other front ends might send
        res.writeHead(200, {
          'content-type': 'application/json',
          'access-control-allow-origin': 'https://sibling.example.com',
          'access-control-allow-credentials': 'true',
          'access-control-allow-headers': 'x-csrf',
          'access-control-expose-headers': 'x-secret',
        });
        res.end('{}');
        return;
      }
      if (url.pathname === '/events') {
        const n = Number(url.searchParams.get('n') ?? '5');
        const every = Number(url.searchParams.get('every') ?? '200');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
        openStreams++;
        res.once('close', () => openStreams--);
        for (let i = 1; i <= n && !res.destroyed; i++) {
          await new Promise((r) => setTimeout(r, every));
          res.write(`id: ${i}\ndata: {"n":${i},"at":${Date.now()}}\n\n`);
        }
        res.end();
        return;
      }
      if (url.pathname === '/slow') {
        await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms') ?? '1000')));
      }
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    openStreams: () => openStreams,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
