import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
// The spawned emulator signs with this process's key (spawnEmulator hands it down). The package
// does not export it, so reach into its build: the only way to sign a token the emulator never would.
import { processSigningKey } from '../../../packages/cognito-emulator/dist/keys.js';
import { startBff, type TestBff } from './support/bff.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { tokensFor, type RawTokens } from './support/tokens.js';

let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
let ours: RawTokens;

const OUR_CLIENT = { id: 'local-client', secret: 'local-secret' };
const OTHER_CLIENT = { id: 'other-client', secret: 'other-secret' };

beforeAll(async () => {
  idp = await spawnEmulator({
    port: 0,
    accessTokenTtlSeconds: 2,
    clients: [
      { clientId: OUR_CLIENT.id, clientSecret: OUR_CLIENT.secret },
      { clientId: OTHER_CLIENT.id, clientSecret: OTHER_CLIENT.secret },
    ],
  });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url });
  ours = await tokensFor(idp.url, OUR_CLIENT);
});
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

const withBearer = (token: string, extra: Record<string, string> = {}) =>
  fetch(`${bff.url}/api/resource?q=1`, { headers: { authorization: `Bearer ${token}`, ...extra } });

/** Signs `claims` with the emulator's own key, so only the claims can make the BFF refuse it. */
async function signedByEmulator(claims: JWTPayload): Promise<string> {
  const jwk = await processSigningKey();
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid! }).sign(await importJWK(jwk, 'RS256'));
}

async function expectRejected(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await res.json()).toMatchObject({ code: 'invalid_token', status: 401 });
  expect(upstream.seen).toHaveLength(0);
}

describe('other clients with a Cognito bearer token', () => {
  it('a valid access token of our client is forwarded as is, without CSRF header or cookie', async () => {
    const fresh = await tokensFor(idp.url, OUR_CLIENT);
    const res = await withBearer(fresh.access_token, { cookie: 'tracking=1' });
    expect(res.status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    expect(upstream.seen[0]!.headers.authorization).toBe(`Bearer ${fresh.access_token}`);
    expect(upstream.seen[0]!.headers.cookie).toBeUndefined();
  });

  it('an ID token instead of an access token is refused', async () => {
    await expectRejected(await withBearer(ours.id_token));
  });

  it("another client's access token is refused", async () => {
    const theirs = await tokensFor(idp.url, OTHER_CLIENT);
    await expectRejected(await withBearer(theirs.access_token));
  });

  it('a token with a broken signature is refused', async () => {
    const [h, p, s] = ours.access_token.split('.');
    const flipped = `${h}.${p}.${s!.slice(0, -4)}${s!.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    await expectRejected(await withBearer(flipped));
    const resigned = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), 'cognito:groups': ['admins'] })).toString('base64url')}.${s}`;
    await expectRejected(await withBearer(resigned));
  });

  it('garbage and an empty scheme are refused', async () => {
    await expectRejected(await withBearer('not-a-jwt'));
    const basic = await fetch(`${bff.url}/api/x`, { headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.status).toBe(401);
    expect(upstream.seen).toHaveLength(0);
  });

  it('an expired access token is refused', async () => {
    const tokens = await tokensFor(idp.url, OUR_CLIENT);
    await new Promise((r) => setTimeout(r, 3_100));
    await expectRejected(await withBearer(tokens.access_token));
  });

  it('a token without exp is refused, while the same claims with exp are accepted', async () => {
    const { exp: _exp, ...claims } = JSON.parse(Buffer.from(ours.access_token.split('.')[1]!, 'base64url').toString()) as JWTPayload;
    const withExp = await withBearer(await signedByEmulator({ ...claims, exp: Math.floor(Date.now() / 1000) + 300 }));
    expect(withExp.status).toBe(200); // the key is the emulator's: only the missing exp can be refused
    upstream.seen.length = 0;
    await expectRejected(await withBearer(await signedByEmulator(claims)));
  });
});
