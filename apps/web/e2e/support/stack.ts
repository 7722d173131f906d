// The real processes behind the browser: Redis, the Cognito emulator (its own process), the demo
// upstream (in this process) and the built API serving the built web app.
import { randomBytes } from 'node:crypto';
import { startApi, type ApiProcess } from './api-process.js';
import { defer } from './cleanup.js';
import { freePort } from './ports.js';
import { deleteKeysUnder, provideRedis, type RedisChoice } from './redis.js';

/** Access-token lifetime the emulator issues: short, so the journey crosses a refresh. */
export const ACCESS_TOKEN_TTL_SECONDS = 3;
/** `maxAuthAgeSeconds` of the step-up route (`/api/recent`): short, so the journey crosses it too. */
export const STEP_UP_SECONDS = 6;
/** The emulator's default confidential client. */
export const CLIENT = { id: 'local-client', secret: 'local-secret' } as const;

/** What the test uses of `@app/cognito-emulator` (see its `SpawnedEmulator`). */
export interface Emulator {
  issuer: string;
  /** Origin of the hosted UI (`/oauth2/*`, `/login`, `/logout`). */
  url: string;
  stats(): Promise<{ grants: Record<'authorization_code' | 'refresh_token', number>; revocations: number }>;
  stop(): Promise<void>;
}
interface EmulatorModule {
  spawnEmulator(opts: { port: number; accessTokenTtlSeconds: number }): Promise<Emulator>;
}
interface DemoUpstreamModule {
  startDemoUpstream(opts: { port: number; issuer: string; clientId?: string }): Promise<{ url: string; stop(): Promise<void> }>;
}

/** Everything running, with the addresses the browser and the assertions need. */
export interface Stack {
  /** The origin the browser uses: PUBLIC_URL. */
  appUrl: string;
  redis: RedisChoice;
  emulator: Emulator;
  upstreamUrl: string;
  api: ApiProcess;
}

// Loaded at run time, after the build check, so that a missing build gives the clear message
// instead of ERR_MODULE_NOT_FOUND, and so that `tsc` on this folder does not need those packages
// built (apps/web does not depend on them, so turbo does not build them first).
async function load<T>(specifier: string): Promise<T> {
  return (await import(specifier)) as T;
}

/** Starts Redis (or finds one), the emulator, the demo upstream and the API; all stopped at clean-up. */
export async function startStack(): Promise<Stack> {
  const redis = await provideRedis();

  const { spawnEmulator } = await load<EmulatorModule>('@app/cognito-emulator');
  const emulator = await spawnEmulator({ port: 0, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS });
  defer('Cognito emulator', () => emulator.stop());

  const { startDemoUpstream } = await load<DemoUpstreamModule>('@app/demo-upstream');
  const upstream = await startDemoUpstream({ port: 0, issuer: emulator.issuer, clientId: CLIENT.id });
  defer('demo upstream', () => upstream.stop());

  // `localhost`, not 127.0.0.1 like the emulator: the app and the IdP are different sites for the
  // browser, as in production, so the SameSite=Lax cookie has to survive the cross-site redirect back.
  const port = await freePort();
  const appUrl = `http://localhost:${port}`;
  // Its own prefix, never the default `bff:` of the developer's app; deleted after the API stops
  // (registered before the API, so undone after it).
  const keyPrefix = `e2e:${randomBytes(6).toString('hex')}:`;
  defer('Redis keys of the run', async () => void (await deleteKeysUnder(redis.url, keyPrefix)));
  const api = await startApi(appUrl, {
    NODE_ENV: 'production',
    PORT: String(port),
    PUBLIC_URL: appUrl,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: keyPrefix,
    SESSION_SECRET: randomBytes(30).toString('base64url'), // 40 characters
    COGNITO_ISSUER: emulator.issuer,
    COGNITO_CLIENT_ID: CLIENT.id,
    COGNITO_CLIENT_SECRET: CLIENT.secret,
    // the live feed (the demo upstream's /live WebSocket) under /api, and a step-up route
    API_ROUTES: JSON.stringify([
      { prefix: '/api', upstream: upstream.url, websocket: true },
      { prefix: '/api/recent', upstream: `${upstream.url}/recent`, maxAuthAgeSeconds: STEP_UP_SECONDS },
    ]),
    LOG_LEVEL: 'warn',
  });
  return { appUrl, redis, emulator, upstreamUrl: upstream.url, api };
}
