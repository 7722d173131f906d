import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream } from 'pino';
import { createClient } from 'redis';
import { inject } from 'vitest';
import { signIn } from '@app/cognito-emulator';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { closeDeps, connectDeps, createDeps, type Deps, type DepsOptions } from '../../src/deps.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { createLogger } from '../../src/kernel/logger.js';
import { testPrefix, testSecret } from './isolation.js';

export { testPrefix, testSecret };

/** A BFF instance listening on loopback, wired to a real Redis and a real OIDC provider. */
export interface TestBff {
  url: string;
  /** The internal listener's origin (`/auth/check`, `/metrics`, health), when started with `internal: true`. */
  internalUrl?: string;
  deps: Deps;
  app: App;
  server: Server;
  close(): Promise<void>;
}

export interface TestBffOptions {
  issuer: string;
  upstreamUrl?: string;
  /** Extra environment (the contract's variable names). */
  env?: Record<string, string>;
  /** Shared by instances that must see the same sessions; random by default. */
  keyPrefix?: string;
  /** Shared by instances that must read each other's cookies and token records. */
  sessionSecret?: string;
  redisUrl?: string;
  deps?: DepsOptions;
  /** Where the log goes (tests that read it); stdout by default. */
  logDestination?: DestinationStream;
  /** Also open the internal listener (`INTERNAL_PORT`) on a free loopback port. */
  internal?: boolean;
}


/** Starts a BFF on a free port; PUBLIC_URL is its own origin. */
export async function startBff(options: TestBffOptions): Promise<TestBff> {
  const server = createHttpServer(); // the production server's limits (header size, timeouts)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const internalServer = options.internal ? createHttpServer() : undefined;
  if (internalServer) await new Promise<void>((resolve) => internalServer.listen(0, '127.0.0.1', resolve));
  const internalPort = internalServer ? (internalServer.address() as AddressInfo).port : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    REDIS_URL: options.redisUrl ?? inject('redisUrl'),
    REDIS_KEY_PREFIX: options.keyPrefix ?? testPrefix(),
    SESSION_SECRET: options.sessionSecret ?? testSecret(),
    COGNITO_ISSUER: options.issuer,
    COGNITO_CLIENT_ID: 'local-client',
    COGNITO_CLIENT_SECRET: 'local-secret',
    API_UPSTREAM_URL: options.upstreamUrl ?? 'http://127.0.0.1:9',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...(internalPort ? { INTERNAL_PORT: String(internalPort) } : {}),
    ...options.env,
  });
  const deps = createDeps(config, createLogger(config.logLevel, options.logDestination), options.deps);
  await connectDeps(deps);
  const app = createApp(deps);
  server.on('request', app.handler);
  server.on('upgrade', app.upgrade);
  if (internalServer && app.internalHandler) internalServer.on('request', app.internalHandler);
  return {
    url: config.publicUrl,
    ...(internalPort ? { internalUrl: `http://127.0.0.1:${internalPort}` } : {}),
    deps,
    app,
    server,
    async close() {
      deps.live.closeAll();
      for (const s of internalServer ? [server, internalServer] : [server]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await closeDeps(deps);
    },
  };
}

/** The `name=value` part of the session cookie in a response, if it sets one. */
export function sessionCookieFrom(res: Response, name = 'bff.sid'): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`) && pair.length > name.length + 1) return pair;
  }
  return undefined;
}

/**
 * Signs in through the real flow: `/auth/login` on the BFF, the emulator's own HTML form, and
 * `/auth/callback` back on the BFF. Returns the session cookie (`bff.sid=…`).
 */
export async function signInAs(
  bff: Pick<TestBff, 'url'>,
  username = 'alice',
  returnTo = '/',
  /** The browser's cookie before it signs in (signing in again while signed in). */
  existingCookie?: string,
): Promise<{ cookie: string; location: string }> {
  const login = await fetch(`${bff.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`, {
    redirect: 'manual',
    headers: existingCookie ? { cookie: existingCookie } : {},
  });
  const loginCookie = sessionCookieFrom(login) ?? existingCookie;
  const authorize = login.headers.get('location');
  if (login.status !== 302 || !authorize || !loginCookie) throw new Error(`login did not redirect: ${login.status}`);
  const callbackUrl = await signIn(authorize, username, 'Passw0rd!');
  const callback = await fetch(callbackUrl, { redirect: 'manual', headers: { cookie: loginCookie } });
  const cookie = sessionCookieFrom(callback);
  if (callback.status !== 302 || !cookie) throw new Error(`callback failed: ${callback.status} ${callback.headers.get('location')}`);
  return { cookie, location: callback.headers.get('location') ?? '' };
}

/** GET /session with a cookie. */
export async function getSession(bff: Pick<TestBff, 'url'>, cookie?: string) {
  const res = await fetch(`${bff.url}/session`, { headers: cookie ? { cookie } : {} });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

/** Deletes every key under `prefix` (a test's own keys, once it is done with them). */
export async function deleteKeys(prefix: string, redisUrl: string = inject('redisUrl')): Promise<void> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.unlink(keys);
    }
  } finally {
    await redis.close();
  }
}
