// Everything a client needs to be tested against: Redis (the one CI starts, or REDIS_URL), the
// Cognito emulator as its own process, the demo upstream and the built API as a child process.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createClient } from 'redis';
import { signIn, spawnEmulator, type SpawnedEmulator } from '@app/cognito-emulator';
import { startDemoUpstream } from '@app/demo-upstream';
import { startBffProcess, type BffProcess } from './bff-process.js';
import { CookieJar } from './cookie-jar.js';

/** The emulator's confidential client, which the BFF signs in with. */
export const CLIENT = { id: 'local-client', secret: 'local-secret' } as const;
/** Seeded users of the emulator (password `Passw0rd!`): alice is in `admins`, bob is not. */
export const PASSWORD = 'Passw0rd!';

/** Options of {@link startStack}. */
export interface StackOptions {
  /** Lifetime of the access tokens the emulator issues (default 3600 s). */
  accessTokenTtlSeconds?: number;
  /** More of the BFF's environment (contract names). */
  env?: Record<string, string>;
  /** Routes of the route table besides `/api` → the demo upstream (contract, "the route table"); `upstream: 'demo'` is the demo upstream. */
  extraRoutes?: Record<string, unknown>[];
}

/** A running stack. */
export interface Stack {
  /** The BFF's origin (`PUBLIC_URL`): what a browser page would be served from. */
  url: string;
  bff: BffProcess;
  emulator: SpawnedEmulator;
  /** Signs `username` in through the real flow and returns the browser's cookie jar. */
  signIn(username: string): Promise<CookieJar>;
  /** An access token of the BFF's app client, straight from the emulator (as a CLI or back end gets one). */
  accessToken(username: string): Promise<string>;
  /** Stops everything and deletes the stack's Redis keys. */
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length > 0) await client.unlink(keys);
  } finally {
    await client.close();
  }
}

/** Signs `username` in at `bffUrl` through `/auth/login`, the emulator's form and `/auth/callback`. */
export async function signInAt(bffUrl: string, username: string, password = PASSWORD): Promise<CookieJar> {
  const jar = new CookieJar();
  const login = await fetch(`${bffUrl}/auth/login?returnTo=%2F`, { redirect: 'manual' });
  jar.store(login);
  const authorize = login.headers.get('location');
  if (login.status !== 302 || !authorize) throw new Error(`/auth/login answered ${login.status}`);
  const callback = await signIn(authorize, username, password);
  const done = await fetch(`${bffUrl}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { cookie: jar.header() ?? '' } });
  jar.store(done);
  if (done.status !== 302 || (done.headers.get('location') ?? '').includes('authError')) throw new Error(`/auth/callback answered ${done.status} ${done.headers.get('location')}`);
  return jar;
}

/** Starts Redis keys under a random prefix, the emulator, the demo upstream and the BFF. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const keyPrefix = `clients-test:${randomBytes(6).toString('hex')}:`;
  const emulator = await spawnEmulator({ port: 0, accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600 });
  const upstream = await startDemoUpstream({ port: 0, issuer: emulator.issuer, clientId: CLIENT.id, liveIntervalMs: 200 });
  const bff = await startBffProcess(await freePort(), {
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    SESSION_SECRET: randomBytes(30).toString('base64url'),
    COGNITO_ISSUER: emulator.issuer,
    COGNITO_CLIENT_ID: CLIENT.id,
    COGNITO_CLIENT_SECRET: CLIENT.secret,
    API_ROUTES: JSON.stringify([
      { prefix: '/api', upstream: upstream.url, websocket: true },
      ...(options.extraRoutes ?? []).map((route) => (route.upstream === 'demo' ? { ...route, upstream: upstream.url } : route)),
    ]),
    RATE_LIMIT_AUTH_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    ...options.env,
  }).catch(async (err: unknown) => {
    await upstream.stop();
    await emulator.stop();
    throw err;
  });

  return {
    url: bff.url,
    bff,
    emulator,
    signIn: (username) => signInAt(bff.url, username),
    async accessToken(username) {
      const redirectUri = 'http://127.0.0.1:9/auth/callback'; // the emulator's client accepts any loopback /auth/callback
      const authorize = new URL(`${emulator.url}/oauth2/authorize`);
      authorize.search = new URLSearchParams({ client_id: CLIENT.id, response_type: 'code', scope: 'openid email profile', redirect_uri: redirectUri, state: randomBytes(8).toString('hex'), nonce: randomBytes(8).toString('hex') }).toString();
      const code = (await signIn(authorize, username, PASSWORD)).searchParams.get('code');
      if (!code) throw new Error('the emulator answered no code');
      const res = await fetch(`${emulator.url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
      });
      if (!res.ok) throw new Error(`token endpoint: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async stop() {
      await bff.stop();
      await upstream.stop();
      await emulator.stop();
      await deleteKeys(redisUrl, keyPrefix);
    },
  };
}
