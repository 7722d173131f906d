import { randomUUID } from 'node:crypto';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT, emulatorSigningKey, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { getSession, signInAs, startBff, testPrefix, testSecret, type TestBff } from './support/bff.js';
import { freePort } from './support/redis-server.js';
import { recordOf, sidOf } from './support/tokens.js';

// Issue 24, part 2 (contract: "Ending sessions from outside, and step-up"): POST
// /auth/backchannel-logout per OpenID Connect Back-Channel Logout 1.0, every validation rule, on
// two instances sharing Redis. The logout tokens here are signed with the emulator's own key (its
// JWKS vouches for them), so each rule can be broken on purpose.
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const ALICE_SUB = '3f6b2c1e-8d4a-4b7e-9c2f-5a1d0e7b6c41';
const BOB_SUB = '8a0d4f9b-2e6c-4d1a-b7e3-6c9f1a2b3d58';

let idp: SpawnedEmulator;
let a: TestBff;
let b: TestBff;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  const shared = { keyPrefix: testPrefix(), sessionSecret: testSecret() };
  [a, b] = await Promise.all([startBff({ issuer: idp.issuer, ...shared }), startBff({ issuer: idp.issuer, ...shared })]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await idp?.stop();
});

/** A logout token signed with the emulator's key; `claims` override or (as `undefined`) remove the defaults. */
async function logoutToken(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const key = await emulatorSigningKey();
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: idp.issuer, aud: 'local-client', iat: now, exp: now + 120, jti: randomUUID(), sub: ALICE_SUB, events: { [EVENT]: {} }, ...claims };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete payload[name];
  return new SignJWT(payload as JWTPayload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt', ...header }).sign(await importJWK(key, 'RS256'));
}
const post = (bff: TestBff, body: string, type = 'application/x-www-form-urlencoded') =>
  fetch(`${bff.url}/auth/backchannel-logout`, { method: 'POST', headers: { 'content-type': type }, body });
const send = (bff: TestBff, token: string) => post(bff, new URLSearchParams({ logout_token: token }).toString());

describe('POST /auth/backchannel-logout', () => {
  it("ends every session of the token's sub on every instance, answers 200 no-store, and leaves other users alone", async () => {
    const [alice1, alice2, bob] = await Promise.all([signInAs(a, 'alice'), signInAs(b, 'alice'), signInAs(a, 'bob')]);
    const res = await send(b, await logoutToken());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    for (const bff of [a, b]) {
      expect((await getSession(bff, alice1.cookie)).body).toEqual({ authenticated: false });
      expect((await getSession(bff, alice2.cookie)).body).toEqual({ authenticated: false });
    }
    expect((await getSession(b, bob.cookie)).body).toMatchObject({ authenticated: true });
  });

  it('ends only the sessions of the named IdP session (sid), also when the token carries no sub', async () => {
    const [first, second] = await Promise.all([signInAs(a, 'bob'), signInAs(a, 'bob')]);
    // the first session signed in through IdP session "idp-sess-1" (its ID token's sid)
    const { version, record } = await recordOf(a, first.cookie);
    await a.deps.tokens.compareAndSet(sidOf(a, first.cookie), version, { ...record, idpSid: 'idp-sess-1' });
    await a.deps.userSessions.register(sidOf(a, first.cookie), { ...record, idpSid: 'idp-sess-1' });
    expect((await send(b, await logoutToken({ sub: undefined, sid: 'idp-sess-1' }))).status).toBe(200);
    expect((await getSession(b, first.cookie)).body).toEqual({ authenticated: false });
    expect((await getSession(b, second.cookie)).body).toMatchObject({ authenticated: true, user: { sub: BOB_SUB } });
  });

  it('refuses a replayed token on another instance (jti spent across instances) with 400 invalid_request', async () => {
    const token = await logoutToken({ sub: 'nobody-in-particular' });
    expect((await send(a, token)).status).toBe(200);
    const replay = await send(b, token);
    expect(replay.status).toBe(400);
    expect(replay.headers.get('cache-control')).toBe('no-store');
    expect(await replay.json()).toMatchObject({ error: 'invalid_request' });
  });

  it.each([
    ['a foreign issuer', { iss: 'https://evil.example' }, {}],
    ['another audience', { aud: 'some-other-client' }, {}],
    ['an iat in the future', { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 900 }, {}],
    ['an iat older than 5 minutes', { iat: Math.floor(Date.now() / 1000) - 400 }, {}],
    ['no iat', { iat: undefined }, {}],
    ['no jti', { jti: undefined }, {}],
    ['no events member', { events: undefined }, {}],
    ['another event', { events: { 'http://schemas.openid.net/event/other': {} } }, {}],
    ['an event that is not an object', { events: { [EVENT]: 'yes' } }, {}],
    ['a nonce (an ID token, not a logout token)', { nonce: 'n-1' }, {}],
    ['neither sub nor sid', { sub: undefined }, {}],
    ['an expired token', { exp: Math.floor(Date.now() / 1000) - 60 }, {}],
    ['another typ', {}, { typ: 'at+jwt' }],
  ] as const)('refuses %s with 400 invalid_request and ends nothing', async (_name, claims, header) => {
    const { cookie } = await signInAs(a, 'alice');
    const res = await send(b, await logoutToken(claims, header));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    expect((await getSession(a, cookie)).body).toMatchObject({ authenticated: true });
  });

  it('refuses a token the IdP did not sign, an unsigned one, and a malformed body, with 400', async () => {
    const { cookie } = await signInAs(a, 'alice');
    const valid = await logoutToken();
    const [h, p] = valid.split('.');
    expect((await send(a, `${h}.${p}.${'A'.repeat(342)}`)).status).toBe(400); // bad signature
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    expect((await send(a, none)).status).toBe(400);
    expect((await post(a, 'logout_token=')).status).toBe(400);
    expect((await post(a, 'something=else')).status).toBe(400);
    expect((await post(a, JSON.stringify({ logout_token: valid }), 'application/json')).status).toBe(400);
    expect((await post(a, `logout_token=${'x'.repeat(20_000)}`)).status).toBe(413);
    expect((await getSession(a, cookie)).body).toMatchObject({ authenticated: true });
  });
});

describe('when the IdP cannot be reached', () => {
  it("answers 503, not 400, so the IdP sends the logout again (its keys are out of reach, not the token's fault)", async () => {
    const lonely = await startBff({ issuer: `http://127.0.0.1:${await freePort()}/local-1_Emulator`, keyPrefix: testPrefix() });
    try {
      const res = await send(lonely, await logoutToken());
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'idp_unavailable' });
    } finally {
      await lonely.close();
    }
  });
});

describe("the emulator's own back-channel logout (oidc-provider's feature)", () => {
  it('records the ID token’s sid at sign-in, and a logout from the IdP ends those sessions on both instances', async () => {
    // the emulator's issuer must be known before the BFFs start, and their receiver before it starts
    const idpPort = await freePort();
    const issuer = `http://127.0.0.1:${idpPort}/local-1_Emulator`;
    const shared = { keyPrefix: testPrefix(), sessionSecret: testSecret() };
    const [x, y] = await Promise.all([startBff({ issuer, ...shared }), startBff({ issuer, ...shared })]);
    const emulator = await spawnEmulator({ port: idpPort, clients: [{ ...DEFAULT_CLIENT, backchannelLogoutUri: `${y.url}/auth/backchannel-logout` }] });
    try {
      const [alice1, alice2, bob] = await Promise.all([signInAs(x, 'alice'), signInAs(y, 'alice'), signInAs(x, 'bob')]);
      const { record } = await recordOf(x, alice1.cookie);
      expect(record.idpSid).toEqual(expect.any(String)); // the ID token's sid
      const deliveries = await emulator.backchannelLogout('alice');
      expect(deliveries.length).toBeGreaterThanOrEqual(2); // one per IdP session (each signInAs had its own)
      expect(deliveries.every((d) => d.status === 200 && d.sub === ALICE_SUB && d.sid)).toBe(true);
      expect(deliveries.map((d) => d.sid)).toEqual(expect.arrayContaining([record.idpSid]));
      for (const bff of [x, y]) {
        expect((await getSession(bff, alice1.cookie)).body).toEqual({ authenticated: false });
        expect((await getSession(bff, alice2.cookie)).body).toEqual({ authenticated: false });
        expect((await getSession(bff, bob.cookie)).body).toMatchObject({ authenticated: true });
      }
      expect((await emulator.stats()).backchannelLogoutFailures).toBe(0);
    } finally {
      await x.close();
      await y.close();
      await emulator.stop();
    }
  });
});
