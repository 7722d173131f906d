// The real Vite dev server, started from the real vite.config.ts, with its API target pointed at
// a recording server: every route the API documents must reach it, not the SPA's index.html.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createServer, type ViteDevServer } from 'vite';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WEB_DIR = fileURLToPath(new URL('..', import.meta.url));
// Generated from the API's code; apps/api/test/openapi.test.ts fails when it is stale, so a route
// added to the API lands here too.
const OPENAPI_FILE = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));
const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;
/** Marks an answer as the recording server's, so it cannot be mistaken for the dev server's. */
const MARK = 'x-recorded-by';

interface OpenApiDocument {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], { 'x-internal-listener'?: boolean }>>>;
}

/** Every documented operation of the public listener (not those marked `x-internal-listener`: no browser reaches them), with concrete values for its path parameters. */
function documentedRequests(): { method: string; path: string }[] {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
  return Object.entries(doc.paths).flatMap(([template, operations]) =>
    METHODS.filter((m) => m in operations && !operations[m]?.['x-internal-listener']).map((m) => ({
      method: m.toUpperCase(),
      // `{path}` of /api/{path} spans segments; any other parameter is one segment
      path: template.replace('{path}', 'hello/nested').replace(/\{[^}]+\}/g, 'example-id'),
    })),
  );
}

let target: Server;
let seen: { method: string; url: string }[] = [];
let upgrades: { url: string; origin?: string; cookie?: string }[] = [];
let vite: ViteDevServer;
let devUrl: string;
const savedApiOrigin = process.env.API_ORIGIN;

beforeAll(async () => {
  target = createHttpServer((req: IncomingMessage, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    res.writeHead(200, { [MARK]: 'api', 'content-type': 'application/json' }).end('{"from":"api"}');
  });
  const wss = new WebSocketServer({ server: target });
  wss.on('connection', (ws, req) => {
    upgrades.push({ url: req.url ?? '', origin: req.headers.origin, cookie: req.headers.cookie });
    ws.send('from api');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  process.env.API_ORIGIN = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;

  vite = await createServer({
    root: WEB_DIR,
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    // only the port differs from `npm run dev`; no dependency pre-bundling, which this test does not use
    server: { port: 0, strictPort: false, host: '127.0.0.1' },
    optimizeDeps: { noDiscovery: true, include: [] },
    logLevel: 'silent',
  });
  await vite.listen();
  devUrl = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await vite?.close();
  await new Promise<void>((resolve) => (target ? target.close(() => resolve()) : resolve()));
  if (savedApiOrigin === undefined) delete process.env.API_ORIGIN;
  else process.env.API_ORIGIN = savedApiOrigin;
});

/** What the browser's fetch sends; Vite serves index.html to GETs that accept HTML or anything. */
const send = (method: string, path: string) => fetch(`${devUrl}${path}`, { method, headers: { accept: '*/*' }, redirect: 'manual' });

describe('the Vite dev server (apps/web/vite.config.ts)', () => {
  it('forwards WebSocket upgrades on /api (the live feed) with the Origin and cookie unchanged', async () => {
    upgrades = [];
    const ws = new WebSocket(`${devUrl.replace('http', 'ws')}/api/live?x=1`, { headers: { origin: devUrl, cookie: 'bff.sid=abc' } });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data: Buffer) => resolve(data.toString()));
      ws.once('error', reject);
    });
    ws.close();
    expect(first).toBe('from api');
    expect(upgrades).toEqual([{ url: '/api/live?x=1', origin: devUrl, cookie: 'bff.sid=abc' }]);
  });

  it('forwards every operation of the API\'s OpenAPI document to the API, with its path and query', async () => {
    const requests = [...documentedRequests(), { method: 'GET', path: '/auth/login?returnTo=%2Fx' }, { method: 'GET', path: '/auth/callback?code=c&state=s' }, { method: 'GET', path: '/session?x=1' }];
    expect(requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/session', '/sessions', '/sessions/example-id', '/api/hello/nested']));

    const missed: string[] = [];
    for (const { method, path } of requests) {
      seen = [];
      const res = await send(method, path);
      await res.arrayBuffer();
      const reached = res.headers.get(MARK) === 'api' && seen.some((r) => r.method === method && r.url === path);
      if (!reached) missed.push(`${method} ${path} → ${res.status} ${res.headers.get('content-type') ?? ''}`);
    }
    expect(missed, 'answered by the dev server instead of the API: add the prefix to API_ROUTE_PREFIXES in @app/shared-types').toEqual([]);
  });

  it('keeps the app and look-alike paths (/authors, /apiary, /sessionsx) with the dev server', async () => {
    for (const path of ['/', '/authors', '/apiary', '/sessionsx', '/session-info']) {
      seen = [];
      const res = await send('GET', path);
      expect(res.headers.get(MARK), path).toBeNull();
      expect(await res.text(), path).toContain('<div id="root">');
      expect(seen, path).toEqual([]);
    }
  });
});
