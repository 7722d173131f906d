import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_M2M_CLIENT, DEFAULT_USERS, spawnEmulator, type SpawnedEmulator } from '../src/index.js';
import { resolveOptions } from '../src/options.js';
import { authorize, authorizationUrl, browser, discover, signInAndExchange, type Discovery } from './support.js';

const alice = DEFAULT_USERS.find((u) => u.username === 'alice')!;
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface Received {
  path: string;
  contentType: string | undefined;
  token: string;
}

/** A relying party's back-channel receiver: records every POST and answers `status`. */
async function startReceiver() {
  const received: Received[] = [];
  const receiver = { received, status: 200, url: '', server: undefined as unknown as Server };
  receiver.server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], token: new URLSearchParams(body).get('logout_token') ?? '' });
      res.writeHead(receiver.status, { 'cache-control': 'no-store' }).end();
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
  return receiver;
}

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('back-channel logout', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let idp: SpawnedEmulator;
  let d: Discovery;
  let deadPort: number;

  beforeAll(async () => {
    receiver = await startReceiver();
    deadPort = await closedPort();
    idp = await spawnEmulator({
      clients: [
        { clientId: 'rp-a', clientSecret: 'secret-a', backchannelLogoutUri: `${receiver.url}/a/backchannel-logout` },
        { clientId: 'rp-b', clientSecret: 'secret-b', backchannelLogoutUri: `${receiver.url}/b/backchannel-logout` },
        { clientId: 'plain', clientSecret: 'secret-p' },
        { clientId: 'rp-dead', clientSecret: 'secret-d', backchannelLogoutUri: `http://127.0.0.1:${deadPort}/auth/backchannel-logout` },
      ],
    });
    d = await discover(idp.issuer);
  });
  afterAll(async () => {
    await idp?.stop();
    await new Promise<void>((resolve) => receiver?.server.close(() => resolve()));
  });

  /** Verifies a logout token as a relying party must (OpenID Connect Back-Channel Logout 1.0, 2.6). */
  async function verifyLogoutToken(token: string, clientId: string) {
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(d.jwks_uri)), {
      issuer: idp.issuer,
      audience: clientId,
      algorithms: ['RS256'],
      typ: 'logout+jwt',
    });
    expect(protectedHeader.typ).toBe('logout+jwt');
    expect(payload.events).toEqual({ [EVENT]: {} });
    expect(payload).not.toHaveProperty('nonce');
    expect(payload.jti).toEqual(expect.any(String));
    expect(payload.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(payload.iat).toBeGreaterThan(Math.floor(Date.now() / 1000) - 30);
    return payload;
  }

  const client = (id: string, secret: string) => ({ clientId: id, clientSecret: secret });

  it('advertises back-channel logout in discovery once a client registered a receiver', () => {
    expect(d.backchannel_logout_supported).toBe(true);
    expect(d.backchannel_logout_session_supported).toBe(true);
    expect(d).not.toHaveProperty('end_session_endpoint');
  });

  it('puts sid in the ID tokens of clients with a receiver, one sid per client and IdP session', async () => {
    const b = browser();
    const a = await signInAndExchange(b, d, client('rp-a', 'secret-a'));
    const bb = await signInAndExchange(b, d, client('rp-b', 'secret-b'));
    const p = await signInAndExchange(b, d, client('plain', 'secret-p'));
    expect(bb.silent).toBe(true);
    const sidA = decodeJwt(a.tokens.id_token!).sid;
    expect(sidA).toEqual(expect.any(String));
    expect(decodeJwt(bb.tokens.id_token!).sid).toEqual(expect.any(String));
    expect(decodeJwt(p.tokens.id_token!)).not.toHaveProperty('sid');
    // a silent re-authorization of the same client keeps its sid
    const again = await signInAndExchange(b, d, client('rp-a', 'secret-a'));
    expect(decodeJwt(again.tokens.id_token!).sid).toBe(sidA);
  });

  it('sends a verifiable logout token to every client of the session at /logout, then redirects', async () => {
    receiver.received.length = 0;
    await idp.reset();
    const b = browser();
    const a = await signInAndExchange(b, d, client('rp-a', 'secret-a'));
    const bb = await signInAndExchange(b, d, client('rp-b', 'secret-b'));
    await signInAndExchange(b, d, client('plain', 'secret-p'));

    const out = await b.get(`${idp.url}/logout?client_id=plain&logout_uri=${encodeURIComponent('http://localhost:5173/')}`);
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('http://localhost:5173/');
    // delivered before the redirect, like oidc-provider's own end_session
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/a/backchannel-logout', '/b/backchannel-logout']);
    for (const r of receiver.received) expect(r.contentType).toBe('application/x-www-form-urlencoded');

    const byPath = Object.fromEntries(receiver.received.map((r) => [r.path, r.token]));
    const tokenA = await verifyLogoutToken(byPath['/a/backchannel-logout']!, 'rp-a');
    const tokenB = await verifyLogoutToken(byPath['/b/backchannel-logout']!, 'rp-b');
    expect(tokenA).toMatchObject({ sub: alice.sub, sid: decodeJwt(a.tokens.id_token!).sid });
    expect(tokenB).toMatchObject({ sub: alice.sub, sid: decodeJwt(bb.tokens.id_token!).sid });
    expect(tokenA.jti).not.toBe(tokenB.jti);
    await expect(verifyLogoutToken(byPath['/a/backchannel-logout']!, 'rp-b')).rejects.toThrow(/aud/);

    expect((await authorize(b, authorizationUrl(d, { client_id: 'rp-a' }))).kind).toBe('form');
    expect(await idp.stats()).toMatchObject({ backchannelLogouts: 2, backchannelLogoutFailures: 0 });
  });

  it('neither fails nor delays /logout when nobody listens at a receiver', async () => {
    await idp.reset();
    const b = browser();
    await signInAndExchange(b, d, client('rp-dead', 'secret-d'));
    const started = Date.now();
    const out = await b.get(`${idp.url}/logout?client_id=rp-dead&logout_uri=${encodeURIComponent('http://localhost:5173/')}`);
    expect(out.status).toBe(302);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await idp.stats()).toMatchObject({ backchannelLogouts: 1, backchannelLogoutFailures: 1 });
  });

  it('ends every IdP session of a user from the test hook and reports each delivery', async () => {
    await idp.backchannelLogout('alice'); // sessions left by the tests above
    receiver.received.length = 0;
    const first = browser();
    const second = browser();
    const bobs = browser();
    const a1 = await signInAndExchange(first, d, client('rp-a', 'secret-a'));
    const b1 = await signInAndExchange(first, d, client('rp-b', 'secret-b'));
    const a2 = await signInAndExchange(second, d, client('rp-a', 'secret-a'));
    await signInAndExchange(bobs, d, { ...client('rp-a', 'secret-a'), username: 'bob' });

    const deliveries = await idp.backchannelLogout('alice');
    const expected = [
      { clientId: 'rp-a', sid: decodeJwt(a1.tokens.id_token!).sid },
      { clientId: 'rp-b', sid: decodeJwt(b1.tokens.id_token!).sid },
      { clientId: 'rp-a', sid: decodeJwt(a2.tokens.id_token!).sid },
    ];
    expect(deliveries).toHaveLength(3);
    for (const want of expected) {
      const got = deliveries.find((x) => x.sid === want.sid && x.clientId === want.clientId);
      expect(got).toMatchObject({ status: 200, sub: alice.sub, uri: `${receiver.url}/${want.clientId === 'rp-a' ? 'a' : 'b'}/backchannel-logout` });
      const sent = receiver.received.find((r) => decodeJwt(r.token).jti === got!.jti);
      expect(sent).toBeDefined();
      expect(await verifyLogoutToken(sent!.token, want.clientId)).toMatchObject({ sub: alice.sub, sid: want.sid });
    }
    expect(new Set(deliveries.map((x) => x.jti)).size).toBe(3);

    // alice's sessions are gone; bob's is not
    expect((await authorize(first, authorizationUrl(d, { client_id: 'rp-a' }))).kind).toBe('form');
    expect((await authorize(second, authorizationUrl(d, { client_id: 'rp-a' }))).kind).toBe('form');
    expect((await authorize(bobs, authorizationUrl(d, { client_id: 'rp-a' }))).kind).toBe('callback');
    expect(await idp.backchannelLogout('alice')).toEqual([]);
    expect(decodeProtectedHeader(receiver.received[0]!.token).typ).toBe('logout+jwt');
  });

  it("tells the receivers of the old user's session when someone else signs in over it", async () => {
    await idp.backchannelLogout('alice');
    receiver.received.length = 0;
    const b = browser();
    const a = await signInAndExchange(b, d, client('rp-a', 'secret-a'));
    await signInAndExchange(b, d, { ...client('rp-a', 'secret-a'), username: 'bob', extra: { prompt: 'login' } });
    expect(receiver.received).toHaveLength(1);
    expect(await verifyLogoutToken(receiver.received[0]!.token, 'rp-a')).toMatchObject({ sub: alice.sub, sid: decodeJwt(a.tokens.id_token!).sid });
  });

  it('reports the status a receiver answered, and a receiver that never answers', async () => {
    receiver.status = 500;
    try {
      const b = browser();
      await signInAndExchange(b, d, client('rp-a', 'secret-a'));
      await signInAndExchange(b, d, client('rp-dead', 'secret-d'));
      const deliveries = await idp.backchannelLogout('alice');
      expect(deliveries.find((x) => x.clientId === 'rp-a')).toMatchObject({ status: 500 });
      expect(deliveries.find((x) => x.clientId === 'rp-dead')).toMatchObject({ status: null, error: expect.any(String) });
    } finally {
      receiver.status = 200;
    }
  });

  it('refuses an unknown user at the hook', async () => {
    await expect(idp.backchannelLogout('nobody')).rejects.toThrow(/404/);
    const res = await fetch(`${idp.url}/__emulator/backchannel-logout`, { method: 'POST', body: 'nope' });
    expect(res.status).toBe(400);
  });

  it('refuses a back-channel URI that is not an absolute http(s) URL, or on a machine-to-machine client', () => {
    for (const backchannelLogoutUri of ['not a url', '/relative', 'ftp://127.0.0.1/x', 'http://127.0.0.1/x#frag']) {
      expect(() => resolveOptions({ clients: [{ clientId: 'x', clientSecret: 's', backchannelLogoutUri }] })).toThrow(/backchannelLogoutUri/);
    }
    expect(() =>
      resolveOptions({ clients: [{ ...DEFAULT_M2M_CLIENT, allowedOAuthFlows: ['client_credentials'], allowedOAuthScopes: ['stats/read'], backchannelLogoutUri: 'http://127.0.0.1/x' }] }),
    ).toThrow(/code flow/);
  });
});

describe('back-channel logout off (the default, as with Cognito)', () => {
  it('keeps discovery Cognito-shaped and ID tokens without sid when no client registered a receiver', async () => {
    const idp = await spawnEmulator();
    try {
      const d = await discover(idp.issuer);
      expect(d).not.toHaveProperty('backchannel_logout_supported');
      expect(d).not.toHaveProperty('backchannel_logout_session_supported');
      const { tokens } = await signInAndExchange(browser(), d);
      expect(decodeJwt(tokens.id_token!)).not.toHaveProperty('sid');
      expect(await idp.backchannelLogout('alice')).toEqual([]);
    } finally {
      await idp.stop();
    }
  });
});

describe('the emulator run by hand (npm run dev)', () => {
  it("registers the dev API's receiver on the default client", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EMULATOR_')));
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../src/cli.ts', import.meta.url))], {
      env: { ...env, EMULATOR_PORT: '0' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      const issuer = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const match = /issuer=(\S+)/.exec(line);
          if (match?.[1]) resolve(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
      });
      const d = await discover(issuer);
      expect(d.backchannel_logout_supported).toBe(true);
      const { tokens } = await signInAndExchange(browser(), d);
      expect(decodeJwt(tokens.id_token!).sid).toEqual(expect.any(String));
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
