import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, testPrefix, type TestBff } from './support/bff.js';
import { startLenientUpstream, type LenientUpstream } from './support/lenient-upstream.js';
import { startWsUpstream } from './support/ws-upstream.js';

// Issue 19, item 1 (contract: "No way around a stricter route"): a looser parent route must not
// serve a stricter child's path to an upstream that reads the path more leniently than the table
// (case-insensitive routing, %2F decoded, ;params cut, trailing dots dropped). Each upstream is a
// real server process; each is first asked directly, to prove it does read the path as admin.
let idp: SpawnedEmulator;
let express: LenientUpstream;
let wsgi: LenientUpstream;
let servlet: LenientUpstream;
let ws: Awaited<ReturnType<typeof startWsUpstream>>;
let bff: TestBff;
let bob: string; // readers only
let alice: string; // admins

beforeAll(async () => {
  [idp, express, wsgi, servlet, ws] = await Promise.all([
    spawnEmulator({ port: 0 }),
    startLenientUpstream('express'),
    startLenientUpstream('wsgi'),
    startLenientUpstream('servlet'),
    startWsUpstream(),
  ]);
  // the layout of scripts/dev-routes.json: a user route and an admins-only child on one upstream
  const routes = [
    { prefix: '/api', upstream: express.url },
    { prefix: '/api/admin', upstream: `${express.url}/admin`, groups: ['admins'] },
    { prefix: '/api/py', upstream: wsgi.url },
    { prefix: '/api/py/admin', upstream: `${wsgi.url}/admin`, groups: ['admins'] },
    { prefix: '/api/java', upstream: servlet.url },
    { prefix: '/api/java/admin', upstream: `${servlet.url}/admin`, groups: ['admins'] },
    { prefix: '/api/live', upstream: ws.url, websocket: true },
    { prefix: '/api/live/admin', upstream: `${ws.url}/admin`, websocket: true, groups: ['admins'] },
  ];
  bff = await startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), internal: true, env: { API_ROUTES: JSON.stringify(routes) } });
  [{ cookie: bob }, { cookie: alice }] = await Promise.all([signInAs(bff, 'bob'), signInAs(bff, 'alice')]);
});
afterAll(async () => {
  await bff?.close();
  await Promise.all([express?.stop(), wsgi?.stop(), servlet?.stop(), ws?.close(), idp?.stop()]);
});

const api = async (path: string, cookie: string) => {
  const res = await fetch(`${bff.url}${path}`, { headers: { cookie, 'x-csrf': '1' } });
  return { status: res.status, body: (await res.json()) as { admin?: boolean; code?: string; path?: string } };
};

describe('a signed-in non-admin cannot reach an admins-only child route through its parent', () => {
  it.each([
    ['case changes, on a case-insensitive router (Express 5)', 'express', '/api/ADMIN/secret', '/ADMIN/secret'],
    ['mixed case, on a case-insensitive router', 'express', '/api/Admin/secret', '/Admin/secret'],
  ] as const)('%s: answers 403 forbidden, the admins route having matched', async (_name, kind, path, direct) => {
    const upstream = { express, wsgi, servlet }[kind];
    expect((await upstream.read(direct)).admin).toBe(true); // the upstream would serve admin data
    const { status, body } = await api(path, bob);
    expect(status).toBe(403);
    expect(body.code).toBe('forbidden');
  });

  it.each([
    ['an encoded slash, on a WSGI server that decodes it', 'wsgi', '/api/py/admin%2Fsecret', '/admin%2Fsecret'],
    ['a lower-case encoded slash', 'wsgi', '/api/py/admin%2fsecret', '/admin%2fsecret'],
    ['a double-encoded slash', 'wsgi', '/api/py/admin%252Fsecret', undefined],
    ['a dotless i, on a router that folds Unicode case', 'wsgi', '/api/py/adm%C4%B1n/secret', '/adm%C4%B1n/secret'],
    ['a dotted capital I', 'wsgi', '/api/py/ADM%C4%B0N/secret', '/ADM%C4%B0N/secret'],
    ['a fullwidth slash (NFKC makes it /)', 'wsgi', '/api/py/%EF%BC%8Fadmin/secret', undefined],
    ['an encoded ? (a server that decodes the whole target, then splits it)', 'wsgi', '/api/py/admin%3F/secret', undefined],
    ['a ;param, on a servlet container that cuts it', 'servlet', '/api/java/admin;x/secret', '/admin;x/secret'],
    ['a trailing dot, on a server that drops it (IIS)', 'servlet', '/api/java/admin./secret', '/admin./secret'],
    ['an encoded trailing dot', 'servlet', '/api/java/admin%2e/secret', '/admin./secret'],
    ['a ;param on the Express route', 'express', '/api/admin;x/secret', undefined],
    ['a trailing dot on the Express route', 'express', '/api/admin./secret', undefined],
  ] as const)('%s: answers 400 bad_request, so no upstream is called', async (_name, kind, path, direct) => {
    const upstream = { express, wsgi, servlet }[kind];
    if (direct) expect((await upstream.read(direct)).admin).toBe(true);
    const { status, body } = await api(path, bob);
    expect(status).toBe(400);
    expect(body.code).toBe('bad_request');
  });
});

describe('what stays allowed', () => {
  it('an admin reaches the admins route in any case, the rest of the path as written', async () => {
    const { status, body } = await api('/api/ADMIN/secret', alice);
    expect(status).toBe(200);
    expect(body).toEqual({ path: '/admin/secret', admin: true });
  });

  it('an encoded slash where no stricter route is involved passes to the upstream as sent', async () => {
    const { status, body } = await api('/api/py/files/a%2Fb', bob);
    expect(status).toBe(200);
    expect(body.path).toBe('/files/a/b'); // the WSGI server decodes it; the same route either way
  });
});

describe('WebSocket upgrades and forward auth get the same answer', () => {
  const handshake = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(`${bff.url.replace('http', 'ws')}${path}`, { headers: { cookie: bob, origin: bff.url } });
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('open', () => {
        socket.close();
        reject(new Error(`${path} opened`));
      });
      socket.once('error', reject);
    });

  it('refuses a handshake to the admins socket route in another case (403) or encoding (400)', async () => {
    expect(await handshake('/api/live/ADMIN')).toBe(403);
    expect(await handshake('/api/live/admin%2Fx')).toBe(400);
    expect(await handshake('/api/live/admin;x')).toBe(400);
    expect(await handshake('/api/live/adm%C4%B1n')).toBe(400);
    expect(ws.sockets).toHaveLength(0);
  });

  it("refuses /auth/check when the original URI reads as a stricter route's (400), and answers others", async () => {
    const check = (uri: string) => fetch(`${bff.internalUrl}/auth/check`, { headers: { cookie: bob, 'x-original-uri': uri } });
    expect((await check('/api/py/admin%2Fsecret')).status).toBe(400);
    expect((await check('/api/admin;x/secret')).status).toBe(400);
    expect((await fetch(`${bff.internalUrl}/auth/check/api/admin./x`, { headers: { cookie: bob } })).status).toBe(400); // Envoy's path_prefix
    expect((await check('http://app.example/api/py/admin%2Fsecret')).status).toBe(400); // absolute form: judged by its path
    expect((await check('/app/orders?x=1')).status).toBe(200);
  });
});
