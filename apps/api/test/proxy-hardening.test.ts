import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { signInAs, startBff, type TestBff } from './support/bff.js';
import { rawRequest } from './support/raw-http.js';
import { startRecordingUpstream } from './support/recording-upstream.js';
import { recordOf, sidOf } from './support/tokens.js';

// Issue 8, items 3–6 and 8: what an attacker with a session (or without one) can make the proxy do.
let idp: SpawnedEmulator;
let upstream: Awaited<ReturnType<typeof startRecordingUpstream>>;
let bff: TestBff;
let alice: string;
let bob: string;

beforeAll(async () => {
  idp = await spawnEmulator({ port: 0 });
  upstream = await startRecordingUpstream();
  bff = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, env: { REQUEST_BODY_IDLE_TIMEOUT_MS: '1500' } });
  ({ cookie: alice } = await signInAs(bff, 'alice'));
  ({ cookie: bob } = await signInAs(bff, 'bob'));
});
afterAll(async () => {
  await bff?.close();
  await upstream?.close();
  await idp?.stop();
});
beforeEach(() => {
  upstream.seen.length = 0;
});

const target = () => ({ host: '127.0.0.1', port: Number(new URL(bff.url).port) });
const raw = (line: string, headers: Record<string, string> = {}, body = '') =>
  rawRequest(target(), `${line}\r\nHost: ${target().host}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`);

describe('cookies planted by an upstream', () => {
  it('never reach the browser: not the session cookie under either name, not any other', async () => {
    const res = await fetch(`${bff.url}/api/set-cookie`, { headers: { cookie: alice, 'x-csrf': '1' } });
    expect(res.status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    expect(res.headers.getSetCookie()).toEqual([]);
    // alice is still alice
    const session = (await (await fetch(`${bff.url}/session`, { headers: { cookie: alice } })).json()) as { user: { username: string } };
    expect(session.user.username).toBe('alice');
  });
});

describe("an upstream's CORS grant", () => {
  it('never reaches the browser: another site could otherwise make cookie calls and read the answers', async () => {
    const res = await fetch(`${bff.url}/api/cors`, { headers: { cookie: alice, 'x-csrf': '1', origin: 'https://sibling.example.com' } });
    expect(res.status).toBe(200);
    expect(upstream.seen).toHaveLength(1);
    expect([...res.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});

describe("forward auth's headers written by a caller", () => {
  it('never reach an upstream: no X-Auth-Request-*, X-Original-*, X-Forwarded-*, Remote-*, nor any of them spelt with underscores', async () => {
    const forged = {
      'x-auth-request-user': 'alice',
      'x-auth-request-groups': 'admins',
      'x-auth-request-email': 'alice@example.com',
      'X-Auth-Request-Preferred-Username': 'alice',
      'x-original-uri': '/admin',
      'x-original-method': 'GET',
      'x-original-url': '/admin',
      'x-forwarded-uri': '/admin',
      'x-forwarded-method': 'GET',
      // CGI/WSGI/Rack read an underscore spelling as the dash one
      x_auth_request_groups: 'admins',
      X_Original_URI: '/admin',
      // other proxies' identity headers: oauth2-proxy, Authelia, Apache
      'x-forwarded-user': 'alice',
      'x-forwarded-groups': 'admins',
      'x-forwarded-access-token': 'eyJforged',
      'remote-user': 'alice',
      'remote-groups': 'admins',
      'x-remote-user': 'alice',
    };
    const res = await fetch(`${bff.url}/api/whoami`, { headers: { cookie: bob, 'x-csrf': '1', 'x-request-marker': 'kept', ...forged } });
    expect(res.status).toBe(200);
    const seen = upstream.seen[0]!.headers;
    for (const name of Object.keys(forged)) expect(seen[name.toLowerCase()], name).toBeUndefined();
    expect(seen['x-request-marker']).toBe('kept'); // other headers still pass
  });
});

describe('forwarding headers', () => {
  const spoofed = {
    'x-forwarded-for': '6.6.6.6, 203.0.113.9',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'https',
    'x-forwarded-port': '443',
    forwarded: 'for=6.6.6.6;host=evil.example;proto=https',
    'x-real-ip': '6.6.6.6',
  };

  it('are built by the BFF: the client chain only as far as TRUST_PROXY believes it, the host and scheme of PUBLIC_URL', async () => {
    const res = await fetch(`${bff.url}/api/whoami`, { headers: { cookie: alice, 'x-csrf': '1', ...spoofed } });
    expect(res.status).toBe(200);
    const seen = upstream.seen[0]!.headers;
    // TRUST_PROXY=loopback (the default): the loopback peer is believed about its own client, no further
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(new URL(bff.url).host);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-port']).toBeUndefined();
    expect(seen.forwarded).toBeUndefined();
    expect(seen['x-real-ip']).toBeUndefined();
  });

  it('ignore every client claim when no peer is trusted', async () => {
    const strict = await startBff({ issuer: idp.issuer, upstreamUrl: upstream.url, env: { TRUST_PROXY: 'false' } });
    try {
      const res = await fetch(`${strict.url}/api/whoami`, { headers: { authorization: `Bearer ${await bearerFor()}`, ...spoofed } });
      expect(res.status).toBe(200);
      const seen = upstream.seen.at(-1)!.headers;
      expect(seen['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen['x-forwarded-host']).toBe(new URL(strict.url).host);
    } finally {
      await strict.close();
    }
  });
});

/** An access token of alice's, from the emulator's password-less test grant of the sign-in flow (the cookie session's own). */
async function bearerFor(): Promise<string> {
  const res = await fetch(`${bff.url}/api/whoami`, { headers: { cookie: alice, 'x-csrf': '1' } });
  const seen = (await res.json()) as { headers: Record<string, string> };
  return seen.headers.authorization!.slice('Bearer '.length);
}

describe('request targets', () => {
  it.each(['/api/..#/x', '/api/x#y', '/api/%2e%2e%2fadmin', '/api/..%2Fadmin', '/api/..;/admin', '/api/%252e%252e/x', '/api/x%5c..%5cadmin'])(
    'refuses %s with 400 bad_request, upstream untouched',
    async (path) => {
      const res = await raw(`GET ${path} HTTP/1.1`, { cookie: alice, 'x-csrf': '1', connection: 'close' });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body.toString()).code).toBe('bad_request');
      expect(upstream.seen).toHaveLength(0);
    },
  );

  it('forwards the normalised path it matched: percent-encoded unreserved characters decoded', async () => {
    const res = await raw('GET /api/%6Frders/%37?q=%2e HTTP/1.1', { cookie: alice, 'x-csrf': '1', connection: 'close' });
    expect(res.status).toBe(200);
    expect(upstream.seen[0]!.url).toBe('/orders/7?q=%2e');
  });

  it('never forwards TRACE: 405 with Allow', async () => {
    const res = await raw(`TRACE /api/x HTTP/1.1`, { cookie: alice, 'x-csrf': '1', connection: 'close' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toContain('GET');
    expect(upstream.seen).toHaveLength(0);
  });
});

describe('early errors on requests with a body', () => {
  it('answer before the body and close the connection, so a 10 GB body costs nothing', async () => {
    const socket = connect(target());
    await new Promise((r) => socket.once('connect', r));
    const started = Date.now();
    socket.write(`POST /api/upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 * 1024 ** 3}\r\n\r\n`);
    socket.write(Buffer.alloc(64 * 1024));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    const closed = await new Promise<boolean>((resolve) => {
      socket.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 3_000);
    });
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 401/);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(closed).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(upstream.seen).toHaveLength(0);
  });
});

describe('one client cannot starve the others', () => {
  /** Opens a POST whose 1 kB body trickles in at a byte a second; resolves with the status line once one arrives. */
  function slowUpload(cookie: string): { socket: Socket; status: Promise<number | undefined> } {
    const socket = connect(target());
    const status = new Promise<number | undefined>((resolve) => {
      let head = '';
      socket.on('data', (chunk: Buffer) => {
        head += chunk.toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
        if (m) resolve(Number(m[1]));
      });
      socket.on('close', () => resolve(undefined));
      socket.on('error', () => resolve(undefined));
    });
    socket.on('connect', () => {
      socket.write(`POST /api/slow?ms=60000 HTTP/1.1\r\nHost: x\r\nCookie: ${cookie}\r\nX-CSRF: 1\r\nContent-Length: 1000\r\n\r\nx`);
      const drip = setInterval(() => (socket.destroyed ? clearInterval(drip) : socket.write('x')), 1_000);
      socket.once('close', () => clearInterval(drip));
    });
    return { socket, status };
  }

  it("300 slow uploads from one session: past its in-flight limit they get 429, and another session's call still answers 200 quickly", async () => {
    const uploads = Array.from({ length: 300 }, () => slowUpload(bob));
    try {
      const refused = await Promise.race([
        Promise.all(uploads.map((u) => u.status)).then(() => 'all answered'),
        new Promise((r) => setTimeout(r, 2_500)),
      ]);
      expect(refused).toBeUndefined(); // the uploads within the limit are still trickling
      const started = Date.now();
      const res = await fetch(`${bff.url}/api/whoami`, { headers: { cookie: alice, 'x-csrf': '1' }, signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1_000);
      const answered = await Promise.all(uploads.map((u) => Promise.race([u.status, new Promise<undefined>((r) => setTimeout(() => r(undefined), 100))])));
      expect(answered.filter((s) => s === 429)).toHaveLength(300 - bff.deps.inFlight.max);
    } finally {
      for (const u of uploads) u.socket.destroy();
    }
    // the slots come back as the uploads go away
    await new Promise((r) => setTimeout(r, 300));
    const again = await fetch(`${bff.url}/api/whoami`, { headers: { cookie: bob, 'x-csrf': '1' } });
    expect(again.status).toBe(200);
  });

  it('a caller that leaves while its call is still being decided (a slow refresh) gives its in-flight slot back', async () => {
    const slowIdp = await spawnEmulator({ port: 0, accessTokenTtlSeconds: 3 });
    const other = await startBff({ issuer: slowIdp.issuer, upstreamUrl: upstream.url });
    try {
      const { cookie } = await signInAs(other);
      const expiresAt = (await recordOf(other, cookie)).record.accessTokenExpiresAt;
      await new Promise((r) => setTimeout(r, Math.max(0, expiresAt * 1000 - Date.now() + 50))); // expired: the next call waits for its refresh
      await slowIdp.setBehaviour({ tokenDelayMs: 800 });
      const leaving = Array.from({ length: 5 }, () =>
        fetch(`${other.url}/api/whoami`, { headers: { cookie, 'x-csrf': '1' }, signal: AbortSignal.timeout(200) }).catch(() => undefined),
      );
      await Promise.all(leaving);
      await new Promise((r) => setTimeout(r, 1_500)); // the refresh ends and the five decisions with it
      expect(other.deps.inFlight.inFlight(`session:${sidOf(other, cookie)}`)).toBe(0);
      expect((await fetch(`${other.url}/api/whoami`, { headers: { cookie, 'x-csrf': '1' } })).status).toBe(200);
    } finally {
      await other.close();
      await slowIdp.stop();
    }
  });

  it('an upload that stops sending its body gets 408 after the body idle timeout', async () => {
    const socket = connect(target());
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    await new Promise((r) => socket.once('connect', r));
    socket.write(`POST /api/slow?ms=10000 HTTP/1.1\r\nHost: x\r\nCookie: ${bob}\r\nX-CSRF: 1\r\nContent-Length: 100\r\n\r\nhalf`);
    const started = Date.now();
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      setTimeout(resolve, 5_000);
    });
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('"code":"request_timeout"');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
