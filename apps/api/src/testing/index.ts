/**
 * `@app/api/testing`: build the BFF in-process for your own supertest suites, sign a supertest
 * agent in through the local Cognito emulator's real sign-in form, and delete the Redis keys the
 * apps made. Test code only: `supertest` and `@app/cognito-emulator` are optional peer
 * dependencies, loaded by {@link signInAgent} alone.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createClient } from 'redis';
import type supertest from 'supertest';
import { createApp } from '../app.js';
import { DEV_EMULATOR_CLIENT, loadConfig, type Config } from '../config/config.js';
import { closeDeps, connectDeps, createDeps, type Deps, type DepsOptions } from '../deps.js';
import { createLogger } from '../kernel/logger.js';

/** Configuration of a test app: the API's environment variable names (docs/configuration.md). */
export type TestAppConfig = Record<string, string | undefined>;

/** An API built in-process: hand {@link TestApp.app} to `supertest(...)` or `supertest.agent(...)`. */
export interface TestApp {
  /** The API's request listener (the `/api/*` and `/session` fast path in front of Express). */
  app: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * The internal listener's request listener (`/auth/check`, `/metrics`, health), when the config
   * sets `INTERNAL_PORT` (any free port: supertest needs none of it).
   */
  internalApp?: (req: IncomingMessage, res: ServerResponse) => void;
  deps: Deps;
  config: Config;
  /** This app's own random Redis key prefix; {@link cleanup} deletes everything under it. */
  keyPrefix: string;
  /** Closes its Redis connection and upstream pools (its keys stay until {@link cleanup}). */
  close(): Promise<void>;
}

/** A supertest agent: keeps the session cookie between requests. */
export type SignedInAgent = ReturnType<typeof supertest.agent>;

/** Prefixes (and their Redis) of every app built in this process and not yet cleaned up. */
const created = new Map<string, string>();

/**
 * Builds the API in-process from `config` alone (the process environment is not read), with
 * test defaults: `NODE_ENV=test`, a random `REDIS_KEY_PREFIX` and `SESSION_SECRET`,
 * `LOG_LEVEL=silent`, `RATE_LIMIT_AUTH_PER_MINUTE=0` (a suite signs in more often than a person),
 * `PUBLIC_URL=http://127.0.0.1`, and the emulator's client `local-client` / `local-secret`. Any of
 * them can be overridden; the configuration is validated exactly as at start-up.
 */
export async function createTestApp(config: TestAppConfig = {}, options: DepsOptions = {}): Promise<TestApp> {
  const keyPrefix = config.REDIS_KEY_PREFIX ?? `testkit:${randomBytes(6).toString('hex')}:`;
  const loaded = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: 'http://127.0.0.1',
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'silent',
    RATE_LIMIT_AUTH_PER_MINUTE: '0',
    COGNITO_CLIENT_ID: DEV_EMULATOR_CLIENT.id,
    COGNITO_CLIENT_SECRET: DEV_EMULATOR_CLIENT.secret,
    ...config,
    REDIS_KEY_PREFIX: keyPrefix,
  });
  created.set(keyPrefix, loaded.redisUrl);
  const deps = createDeps(loaded, createLogger(loaded.logLevel), options);
  await connectDeps(deps);
  const { handler, internalHandler } = createApp(deps);
  return { app: handler, ...(internalHandler ? { internalApp: internalHandler } : {}), deps, config: loaded, keyPrefix, close: () => closeDeps(deps) };
}

/** Who {@link signInAgent} signs in. */
export interface SignInOptions {
  username: string;
  password: string;
  /**
   * The emulator the app signs in with (its issuer URL); default: the app's `COGNITO_ISSUER`. The
   * password is only ever posted to this origin, never to wherever else `/auth/login` might point.
   */
  emulatorIssuer?: string;
  /** Where the app should send the browser after sign-in; default `/`. */
  returnTo?: string;
}

/**
 * Signs a new `supertest.agent` in through the real flow: `GET /auth/login`, the emulator's HTML
 * sign-in form, `GET /auth/callback`. The agent keeps the session cookie, so
 * `agent.get('/api/…').set('X-CSRF', '1')` is a signed-in call.
 */
export async function signInAgent(testApp: Pick<TestApp, 'app' | 'config'>, options: SignInOptions): Promise<SignedInAgent> {
  const [{ default: request }, { signIn }] = await Promise.all([import('supertest'), import('@app/cognito-emulator')]);
  const agent = request.agent(testApp.app);
  const login = await agent.get('/auth/login').query({ returnTo: options.returnTo ?? '/' });
  const authorize = typeof login.headers.location === 'string' ? new URL(login.headers.location) : undefined;
  if (login.status !== 302 || !authorize) throw new Error(`signInAgent: /auth/login answered ${login.status}, not a redirect`);
  const idp = new URL(options.emulatorIssuer ?? testApp.config.cognito.issuer);
  if (authorize.origin !== idp.origin) throw new Error(`signInAgent: /auth/login redirects to ${authorize.origin}, not to the emulator at ${idp.origin}`);
  const callback = await signIn(authorize, options.username, options.password);
  const done = await agent.get(`${callback.pathname}${callback.search}`);
  const location = String(done.headers.location ?? '');
  if (done.status !== 302 || location.includes('authError=')) throw new Error(`signInAgent: the callback failed (${done.status} ${location})`);
  return agent;
}

/** Deletes every Redis key of every app {@link createTestApp} built in this process (also after `close()`). */
export async function cleanup(): Promise<void> {
  for (const [prefix, url] of created) {
    const client = createClient({ url, socket: { reconnectStrategy: false } });
    client.on('error', () => undefined);
    await client.connect();
    try {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    } finally {
      await client.close();
    }
    created.delete(prefix);
  }
}
