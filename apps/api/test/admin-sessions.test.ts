import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_CLIENT, DEFAULT_M2M_CLIENT, DEFAULT_RESOURCE_SERVERS, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { tokensFor } from './support/tokens.js';
import { startWsUpstream } from './support/ws-upstream.js';

// Issue 24, part 1 (contract: "Ending sessions from outside, and step-up"): a back end ends every
// session of a user on every instance with DELETE /admin/users/{sub}/sessions on the internal
// listener, authorised by a client_credentials token of an ADMIN_CLIENT_IDS client with ADMIN_SCOPE.
const ADMIN = { clientId: 'user-admin-backend', clientSecret: 'user-admin-secret', allowedOAuthFlows: ['client_credentials' as const], allowedOAuthScopes: ['bff/admin', 'stats/read'] };
const ALICE_SUB = '3f6b2c1e-8d4a-4b7e-9c2f-5a1d0e7b6c41';

let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startWsUpstream>>;
let a: TestBff;
let b: TestBff;

beforeAll(async () => {
  idp = await spawnEmulator({
    port: 0,
    clients: [DEFAULT_CLIENT, DEFAULT_M2M_CLIENT, ADMIN],
    resourceServers: [...DEFAULT_RESOURCE_SERVERS, { identifier: 'bff', scopes: ['admin'] }],
  });
  upstream = await startWsUpstream();
  const shared = {
    keyPrefix: testPrefix(),
    sessionSecret: testSecret(),
    internal: true,
    env: {
      ADMIN_SCOPE: 'bff/admin',
      ADMIN_CLIENT_IDS: `someone-else,${ADMIN.clientId}`,
      API_ROUTES: JSON.stringify([{ prefix: '/api', upstream: upstream.url, websocket: true }]),
    },
  };
  [a, b] = await Promise.all([startBff({ issuer: idp.issuer, ...shared }), startBff({ issuer: idp.issuer, ...shared })]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await upstream?.close();
  await idp?.stop();
});

/** A client_credentials access token of `client` for `scope`. */
async function clientToken(client: { clientId: string; clientSecret: string }, scope: string): Promise<string> {
  const res = await fetch(`${idp.url}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  if (!res.ok) throw new Error(`client_credentials: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
const endSessions = (bff: TestBff, sub: string, headers: Record<string, string> = {}, base = bff.internalUrl!) =>
  fetch(`${base}/admin/users/${encodeURIComponent(sub)}/sessions`, { method: 'DELETE', headers });

describe('DELETE /admin/users/{sub}/sessions', () => {
  it("ends every session of the user on every instance: refresh tokens revoked, sockets closed with 4401, others' sessions kept", async () => {
    const [alice1, alice2, bob] = await Promise.all([signInAs(a, 'alice'), signInAs(b, 'alice'), signInAs(b, 'bob')]);
    const socket = new WebSocket(`${b.url.replace('http', 'ws')}/api/live`, { headers: { cookie: alice1.cookie, origin: b.url } });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await new Promise((resolve, reject) => (socket.once('open', resolve), socket.once('error', reject)));
    const revokedBefore = (await idp.stats()).revocations;

    const token = await clientToken(ADMIN, 'bff/admin');
    const res = await endSessions(a, ALICE_SUB, { authorization: `Bearer ${token}` }); // asked on A; alice's sockets are on B
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ ended: 2 });

    expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('still open'), 3_000))])).toBe(4401);
    expect((await idp.stats()).revocations - revokedBefore).toBe(2);
    for (const [bff, cookie] of [[a, alice1.cookie], [b, alice1.cookie], [a, alice2.cookie], [b, alice2.cookie]] as const) {
      expect((await getSession(bff, cookie)).body).toEqual({ authenticated: false });
    }
    expect((await getSession(a, bob.cookie)).body).toMatchObject({ authenticated: true, user: { username: 'bob' } });
    // nothing left to end
    expect(await (await endSessions(b, ALICE_SUB, { authorization: `Bearer ${token}` })).json()).toEqual({ ended: 0 });
  });

  it('refuses without a token (401), with a token lacking ADMIN_SCOPE (403), a user token or another client’s (401), and on the public port (404)', async () => {
    const { cookie } = await signInAs(a, 'alice');
    const none = await endSessions(a, ALICE_SUB);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await none.json()).toMatchObject({ code: 'unauthenticated' });

    const wrongScope = await endSessions(a, ALICE_SUB, { authorization: `Bearer ${await clientToken(ADMIN, 'stats/read')}` });
    expect(wrongScope.status).toBe(403);
    expect(await wrongScope.json()).toMatchObject({ code: 'forbidden' });

    const user = await tokensFor(idp.url, { id: 'local-client', secret: 'local-secret' }, 'alice');
    const userToken = await endSessions(a, ALICE_SUB, { authorization: `Bearer ${user.access_token}` });
    expect(userToken.status).toBe(401);
    expect(await userToken.json()).toMatchObject({ code: 'invalid_token' });

    const otherClient = await endSessions(a, ALICE_SUB, { authorization: `Bearer ${await clientToken({ clientId: DEFAULT_M2M_CLIENT.clientId, clientSecret: DEFAULT_M2M_CLIENT.clientSecret }, 'stats/read')}` });
    expect(otherClient.status).toBe(401);

    const forged = await endSessions(a, ALICE_SUB, { authorization: `Bearer ${(await clientToken(ADMIN, 'bff/admin')).slice(0, -6)}AAAAAA` });
    expect(forged.status).toBe(401);

    const publicPort = await endSessions(a, ALICE_SUB, { authorization: `Bearer ${await clientToken(ADMIN, 'bff/admin')}` }, a.url);
    expect(publicPort.status).toBe(404);

    expect((await getSession(b, cookie)).body).toMatchObject({ authenticated: true }); // every refusal left alice signed in
  });

  it('is off without ADMIN_SCOPE (404 on the internal listener too)', async () => {
    const plain = await startBff({ issuer: idp.issuer, keyPrefix: testPrefix(), internal: true });
    try {
      const res = await endSessions(plain, ALICE_SUB, { authorization: `Bearer ${await clientToken(ADMIN, 'bff/admin')}` });
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
