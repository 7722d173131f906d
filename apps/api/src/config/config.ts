import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRouteTable, type ApiRoute, type ParsedApiRoute } from '@app/shared-types';
import { z } from 'zod';
import { tracingSettings, type TracingSettings } from './tracing-config.js';

/** Issuer of the local Cognito emulator that `npm run dev` starts. */
export const DEV_EMULATOR_ISSUER = 'http://127.0.0.1:4010/local-1_Emulator';
/** The emulator's default confidential client. */
export const DEV_EMULATOR_CLIENT = { id: 'local-client', secret: 'local-secret' } as const;
/** The emulator's machine-to-machine client (`client_credentials` only), the dev default for `client` routes. */
export const DEV_EMULATOR_M2M_CLIENT = { id: 'local-m2m-client', secret: 'local-m2m-secret' } as const;
/** The demo upstream that `npm run dev` starts. */
export const DEV_UPSTREAM_URL = 'http://127.0.0.1:4020';

/**
 * `REDIS_CLIENT_CACHE` when unset (docs/adr/0007-client-side-cache.md): on, except under Sentinel.
 * A hit costs a `Map` lookup where the read it saves is a Redis round trip (CPU per request at a
 * fixed rate 0.89x the bare proxy's with it, 1.00x without, docs/benchmarks.md), and Redis
 * invalidates it the moment any instance changes or ends the session (test/client-cache.test.ts).
 */
export const DEFAULT_CLIENT_CACHE = true;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The validated, typed configuration of one API process. */
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  /** Origin the browser uses, without a trailing slash. */
  publicUrl: string;
  redisUrl: string;
  /** Seed nodes of a Redis Cluster (`host:port`); when set, the cluster client is used. */
  redisClusterNodes?: string[];
  /** Sentinels watching a primary and its replicas (`REDIS_SENTINEL_NODES`, `host:port`) and the primary's name there. */
  redisSentinel?: { nodes: string[]; master: string };
  /** Prefix of every Redis key this deployment owns, so several apps (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  /**
   * `REDIS_CLIENT_CACHE` / `REDIS_CLIENT_CACHE_MAX_ENTRIES`: session records kept in process and
   * invalidated by Redis (docs/adr/0007-client-side-cache.md); unset = off (always with Sentinel).
   */
  redisClientCache?: { maxEntries: number };
  /** `SESSION_SECRET`: signs new cookies and seals new token records. */
  sessionSecret: string;
  /**
   * `PREVIOUS_SESSION_SECRETS`: still accepted for cookies and records made before a rotation
   * (a session used after it is re-signed and re-sealed with {@link Config.sessionSecret}).
   */
  previousSessionSecrets: readonly string[];
  /** The current secret first, then the previous ones: the key ring every secret-derived check uses. */
  sessionSecrets: readonly string[];
  /** True when no SESSION_SECRET was given and a random one is used (dev only). */
  sessionSecretGenerated: boolean;
  /** Absolute session lifetime (capped at sign-in by {@link Config.refreshTokenTtlSeconds}). */
  sessionTtlSeconds: number;
  /** Sliding idle timeout: a session unused this long ends. */
  sessionIdleTimeoutSeconds: number;
  /** Sessions one user may have; a sign-in beyond it ends their least recently used one. 0 = no limit. */
  maxSessionsPerUser: number;
  /** Lifetime of the IdP's refresh tokens; no session outlives its refresh token. */
  refreshTokenTtlSeconds: number;
  cognito: { issuer: string; clientId: string; clientSecret?: string; scopes: string };
  /**
   * App client for `client` routes' `client_credentials` grant (`COGNITO_M2M_CLIENT_ID` / `_SECRET`).
   * Default: the main client; with the dev emulator, its M2M client (Cognito refuses the grant to
   * a client that signs users in).
   */
  m2mClient: { clientId: string; clientSecret?: string };
  /**
   * The route table (`API_ROUTES` / `API_ROUTES_FILE`, else one `/api` route to `API_UPSTREAM_URL`):
   * validated, frozen, `timeoutMs` filled from `UPSTREAM_TIMEOUT_MS`. Build a `RouteTable` from it.
   */
  routes: readonly ApiRoute[];
  /**
   * Fallback for code written before the route table: the upstream of the `/api` route (without a
   * table, `API_UPSTREAM_URL` exactly as before). With a table that has no `/api` route it is
   * `API_UPSTREAM_URL` or the dev default, which no route uses. New code reads {@link Config.routes}.
   */
  upstreamUrl: string;
  upstreamTimeoutMs: number;
  /** A client that sends nothing of its request body for this long gets `408` (slow-upload guard). */
  requestBodyIdleTimeoutMs: number;
  /** Calls to `/api/*` one session (or bearer subject) may have in flight on one instance; 0 = no limit. */
  maxRequestsInFlightPerSession: number;
  /**
   * `MAX_WEBSOCKETS_PER_SESSION`: open WebSockets (handshakes to the upstream included) one session may
   * hold on one instance, and one client address without a session; 0 = no limit.
   */
  maxWebSocketsPerSession: number;
  /**
   * `INTERNAL_PORT` / `INTERNAL_HOST`: the listener for what only the infrastructure may call
   * (`/auth/check`, `/metrics`, health). Unset: forward auth is off and `/metrics` stays on `PORT`.
   */
  internal?: { port: number; host: string };
  /**
   * `ADMIN_SCOPE` / `ADMIN_CLIENT_IDS`: `DELETE /admin/users/{sub}/sessions` on the internal listener
   * accepts `client_credentials` tokens of these app clients carrying this scope. Unset: the route is off.
   */
  admin?: { scope: string; clientIds: readonly string[] };
  idpTimeoutMs: number;
  refreshSkewSeconds: number;
  /** Background refreshes of sessions entering the window together start spread over up to this many seconds (refresh-coordinator.ts). */
  refreshAheadSpreadSeconds: number;
  logLevel: string;
  /** Whether `GET /metrics` is served, and the Bearer token it then requires (none: open; keep it off the internet). */
  metrics: { enabled: boolean; token?: string };
  /** Express `trust proxy`: a boolean, a hop count, or addresses/subnets/names. */
  trustProxy: boolean | number | string;
  /** Requests per minute and client IP on `/auth/login` and on `/auth/callback` (each); 0 = no limit. */
  rateLimitAuthPerMinute: number;
  /** Whether the API serves the built web app (production). */
  serveWeb: boolean;
  webDistDir?: string;
  /** On SIGTERM, how long the instance keeps serving (with `/readyz` at 503) before it stops accepting. */
  shutdownDrainMs: number;
  /** Once the listener is closed, how long requests in flight (streams included) get to finish. */
  shutdownGraceMs: number;
  /** Derived: cookie carries `Secure` and the `__Host-` prefix. */
  secureCookies: boolean;
  /** OpenTelemetry export (`OTEL_EXPORTER_OTLP_ENDPOINT` and friends); unset: no spans, W3C propagation only. */
  tracing?: TracingSettings;
}

/** Thrown when the environment is not a valid configuration; lists every problem at once. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const int = (min: number, max: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(min).max(max).optional());
const url = (protocols: string[]) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((s) => URL.canParse(s), 'must be an absolute URL')
      .refine((s) => !URL.canParse(s) || protocols.includes(new URL(s).protocol), `must use ${protocols.join(' or ')}`)
      .optional(),
  );

const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'test', 'production']).optional()),
  PORT: int(0, 65535),
  INTERNAL_PORT: int(0, 65535),
  INTERNAL_HOST: optionalString,
  ADMIN_SCOPE: z.preprocess(emptyToUndefined, z.string().regex(/^\S+$/, 'must be one scope (no spaces)').optional()),
  ADMIN_CLIENT_IDS: optionalString,
  PUBLIC_URL: url(['http:', 'https:']),
  REDIS_URL: url(['redis:', 'rediss:']),
  REDIS_KEY_PREFIX: optionalString,
  REDIS_CLUSTER_NODES: optionalString,
  REDIS_SENTINEL_NODES: optionalString,
  REDIS_SENTINEL_MASTER: optionalString,
  REDIS_CLIENT_CACHE: z.preprocess(emptyToUndefined, z.enum(['on', 'off', 'true', 'false', '1', '0']).optional()),
  REDIS_CLIENT_CACHE_MAX_ENTRIES: int(1, 1_000_000),
  SESSION_SECRET: z.preprocess(emptyToUndefined, z.string().min(32, 'must be at least 32 characters').optional()),
  PREVIOUS_SESSION_SECRETS: optionalString,
  SESSION_TTL_SECONDS: int(60, 60 * 60 * 24 * 365),
  MAX_SESSIONS_PER_USER: int(0, 10_000),
  SESSION_IDLE_TIMEOUT_SECONDS: int(1, 60 * 60 * 24 * 365),
  REFRESH_TOKEN_TTL_SECONDS: int(60, 60 * 60 * 24 * 3650),
  COGNITO_ISSUER: url(['http:', 'https:']),
  COGNITO_CLIENT_ID: optionalString,
  COGNITO_CLIENT_SECRET: optionalString,
  COGNITO_SCOPES: optionalString,
  API_UPSTREAM_URL: url(['http:', 'https:']),
  API_ROUTES: optionalString,
  API_ROUTES_FILE: optionalString,
  API_WEBSOCKET: z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0']).optional()),
  COGNITO_M2M_CLIENT_ID: optionalString,
  COGNITO_M2M_CLIENT_SECRET: optionalString,
  UPSTREAM_TIMEOUT_MS: int(1, 10 * 60 * 1000),
  REQUEST_BODY_IDLE_TIMEOUT_MS: int(100, 10 * 60 * 1000),
  MAX_REQUESTS_IN_FLIGHT_PER_SESSION: int(0, 100_000),
  MAX_WEBSOCKETS_PER_SESSION: int(0, 100_000),
  IDP_TIMEOUT_MS: int(100, 60 * 1000),
  REFRESH_SKEW_SECONDS: int(0, 3600),
  REFRESH_AHEAD_SPREAD_SECONDS: int(0, 3600),
  METRICS_ENABLED: z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0']).optional()),
  METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace']).optional()),
  TRUST_PROXY: optionalString,
  RATE_LIMIT_AUTH_PER_MINUTE: int(0, 1_000_000),
  WEB_DIST_DIR: optionalString,
  SHUTDOWN_GRACE_MS: int(0, 10 * 60 * 1000),
  SHUTDOWN_DRAIN_MS: int(0, 10 * 60 * 1000),
});

/** `true`/`false`, a hop count, or a list of addresses, subnets and names (`loopback`, …), as Express reads them. */
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** Reads the route table's JSON from `API_ROUTES` or `API_ROUTES_FILE`; `undefined` when neither is set. */
function readRouteTableSource(e: { API_ROUTES?: string; API_ROUTES_FILE?: string }, problems: string[]): { name: string; json: unknown } | undefined {
  if (e.API_ROUTES !== undefined && e.API_ROUTES_FILE !== undefined) {
    problems.push('API_ROUTES_FILE: set either API_ROUTES or API_ROUTES_FILE, not both');
    return undefined;
  }
  let name: string;
  let text: string;
  if (e.API_ROUTES !== undefined) {
    name = 'API_ROUTES';
    text = e.API_ROUTES;
  } else if (e.API_ROUTES_FILE !== undefined) {
    name = 'API_ROUTES_FILE';
    const path = resolve(e.API_ROUTES_FILE);
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      problems.push(`API_ROUTES_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  } else return undefined;
  try {
    return { name, json: JSON.parse(text) as unknown };
  } catch (err) {
    problems.push(`${name}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

/** Validates the table, listing each problem as `<VARIABLE>[<index>].<field>: …`. */
function parseRoutes(source: { name: string; json: unknown }, problems: string[]): ParsedApiRoute[] | undefined {
  const result = parseRouteTable(source.json);
  if (result.ok) return result.routes;
  for (const p of result.problems) problems.push(`${source.name}${p.path}: ${p.message}`);
  return undefined;
}

/** Fills `timeoutMs` and freezes each route, its lists and the table: nothing may change it after start-up. */
function freezeRoutes(routes: readonly ParsedApiRoute[], upstreamTimeoutMs: number): readonly ApiRoute[] {
  return Object.freeze(
    routes.map((r) =>
      Object.freeze({
        ...r,
        timeoutMs: r.timeoutMs ?? upstreamTimeoutMs,
        ...(r.groups ? { groups: Object.freeze([...r.groups]) } : {}),
        ...(r.scopes ? { scopes: Object.freeze([...r.scopes]) } : {}),
      }),
    ),
  );
}

/**
 * `PREVIOUS_SESSION_SECRETS`, comma-separated: each at least 32 characters (reported by position,
 * never by value). The current secret and repeats are left out; frozen.
 */
function parsePreviousSecrets(value: string | undefined, current: string | undefined, problems: string[]): readonly string[] {
  const secrets = (value ?? '').split(',').map((s) => s.trim());
  const kept: string[] = [];
  secrets.forEach((secret, i) => {
    if (secret === '') return;
    if (secret.length < 32) problems.push(`PREVIOUS_SESSION_SECRETS[${i}]: must be at least 32 characters`);
    else if (secret !== current && !kept.includes(secret)) kept.push(secret);
  });
  if (kept.length > 0 && !current) problems.push('SESSION_SECRET: required when PREVIOUS_SESSION_SECRETS is set');
  return Object.freeze(kept);
}

/** The non-empty, trimmed items of a comma-separated variable. */
function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}

function isLoopback(u: URL): boolean {
  return LOOPBACK_HOSTS.has(u.hostname);
}

/**
 * Validates the environment once, at start-up, and returns the typed configuration.
 * Every missing or invalid variable is reported in one {@link ConfigError}.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const nodeEnv = e.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';
  const port = e.PORT ?? 3000;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');

  if (production && !e.SESSION_SECRET) problems.push('SESSION_SECRET: required when NODE_ENV=production (at least 32 characters)');
  if (production && !e.COGNITO_ISSUER) problems.push('COGNITO_ISSUER: required when NODE_ENV=production');
  if (production && !e.COGNITO_CLIENT_ID) problems.push('COGNITO_CLIENT_ID: required when NODE_ENV=production');
  const routeSource = readRouteTableSource(e, problems);
  const tableRoutes = routeSource ? parseRoutes(routeSource, problems) : undefined;
  const usingTable = e.API_ROUTES !== undefined || e.API_ROUTES_FILE !== undefined;
  if (production && !usingTable && !e.API_UPSTREAM_URL) {
    problems.push('API_UPSTREAM_URL: required when NODE_ENV=production (or set API_ROUTES / API_ROUTES_FILE)');
  }
  const apiWebsocket = e.API_WEBSOCKET === 'true' || e.API_WEBSOCKET === '1';
  if (apiWebsocket && usingTable) problems.push('API_WEBSOCKET: only without a route table; set "websocket": true on the routes of API_ROUTES / API_ROUTES_FILE instead');
  if (e.COGNITO_ISSUER && !e.COGNITO_CLIENT_ID) problems.push('COGNITO_CLIENT_ID: required when COGNITO_ISSUER is set');

  const issuer = (e.COGNITO_ISSUER ?? DEV_EMULATOR_ISSUER).replace(/\/+$/, '');
  if (URL.canParse(issuer)) {
    const u = new URL(issuer);
    if (u.protocol === 'http:' && !isLoopback(u)) {
      problems.push('COGNITO_ISSUER: must use https:// (http:// is accepted only on localhost, 127.0.0.1 or [::1])');
    }
  }
  const pub = new URL(publicUrl);
  if (pub.pathname !== '/' || pub.search || pub.hash) problems.push('PUBLIC_URL: must be an origin only (no path, query or fragment)');
  if (production && pub.protocol === 'http:' && !isLoopback(pub)) {
    problems.push('PUBLIC_URL: must use https:// in production (http:// only on a loopback host)');
  }
  const badNode = e.REDIS_CLUSTER_NODES?.split(',').find((n) => n.trim() && !/^(rediss?:\/\/)?[\w.-]+:\d{1,5}$/.test(n.trim()));
  if (badNode !== undefined) problems.push(`REDIS_CLUSTER_NODES: "${badNode.trim()}" is not host:port`);
  const sentinelNodes = listOf(e.REDIS_SENTINEL_NODES);
  const badSentinel = sentinelNodes.find((n) => !/^[\w.-]+:\d{1,5}$/.test(n));
  if (badSentinel !== undefined) problems.push(`REDIS_SENTINEL_NODES: "${badSentinel}" is not host:port`);
  if (sentinelNodes.length > 0 && !e.REDIS_SENTINEL_MASTER) problems.push('REDIS_SENTINEL_MASTER: required with REDIS_SENTINEL_NODES (the name the sentinels monitor the primary under)');
  if (e.REDIS_SENTINEL_MASTER && sentinelNodes.length === 0) problems.push('REDIS_SENTINEL_NODES: required with REDIS_SENTINEL_MASTER');
  if (sentinelNodes.length > 0 && listOf(e.REDIS_CLUSTER_NODES).length > 0) {
    problems.push('REDIS_SENTINEL_NODES: set either REDIS_CLUSTER_NODES (a Redis Cluster) or REDIS_SENTINEL_NODES (a primary watched by Sentinel), not both');
  }
  const clientCacheAsked = e.REDIS_CLIENT_CACHE === undefined ? undefined : ['on', 'true', '1'].includes(e.REDIS_CLIENT_CACHE);
  if (clientCacheAsked && sentinelNodes.length > 0) problems.push('REDIS_CLIENT_CACHE: not supported with REDIS_SENTINEL_NODES (set it to off, or leave it unset)');
  const clientCache = (clientCacheAsked ?? DEFAULT_CLIENT_CACHE) && sentinelNodes.length === 0;
  const usingEmulator = !e.COGNITO_ISSUER;
  const clientId = e.COGNITO_CLIENT_ID ?? DEV_EMULATOR_CLIENT.id;
  const clientSecret = e.COGNITO_CLIENT_SECRET ?? (usingEmulator ? DEV_EMULATOR_CLIENT.secret : undefined);
  if (e.COGNITO_M2M_CLIENT_SECRET && !e.COGNITO_M2M_CLIENT_ID) problems.push('COGNITO_M2M_CLIENT_ID: required when COGNITO_M2M_CLIENT_SECRET is set');
  const m2mClient = e.COGNITO_M2M_CLIENT_ID
    ? { clientId: e.COGNITO_M2M_CLIENT_ID, clientSecret: e.COGNITO_M2M_CLIENT_SECRET }
    : usingEmulator && !e.COGNITO_CLIENT_ID
      ? { clientId: DEV_EMULATOR_M2M_CLIENT.id, clientSecret: DEV_EMULATOR_M2M_CLIENT.secret }
      : { clientId, clientSecret };
  if (!m2mClient.clientSecret && tableRoutes?.some((r) => r.token === 'client')) {
    problems.push('COGNITO_M2M_CLIENT_SECRET: "client" routes need an app client with a secret (Cognito allows client_credentials only to confidential clients)');
  }
  if (e.INTERNAL_PORT !== undefined && e.INTERNAL_PORT !== 0 && e.INTERNAL_PORT === port) problems.push('INTERNAL_PORT: must differ from PORT (the internal listener is a second listener)');
  if (e.INTERNAL_HOST !== undefined && e.INTERNAL_PORT === undefined) problems.push('INTERNAL_PORT: required when INTERNAL_HOST is set');
  const adminClientIds = listOf(e.ADMIN_CLIENT_IDS);
  if (e.ADMIN_SCOPE && adminClientIds.length === 0) problems.push('ADMIN_CLIENT_IDS: required with ADMIN_SCOPE (the app clients whose client_credentials tokens may end sessions)');
  if (!e.ADMIN_SCOPE && adminClientIds.length > 0) problems.push('ADMIN_SCOPE: required with ADMIN_CLIENT_IDS');
  if (e.ADMIN_SCOPE && e.INTERNAL_PORT === undefined) problems.push('INTERNAL_PORT: required with ADMIN_SCOPE (the admin route is served on the internal listener only)');
  const previousSessionSecrets = parsePreviousSecrets(e.PREVIOUS_SESSION_SECRETS, e.SESSION_SECRET, problems);
  const tracing = tracingSettings(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  const sessionSecret = e.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  const upstreamTimeoutMs = e.UPSTREAM_TIMEOUT_MS ?? 30_000;
  const fallbackUpstream = (e.API_UPSTREAM_URL ?? DEV_UPSTREAM_URL).replace(/\/+$/, '');
  const routes = freezeRoutes(tableRoutes ?? [{ prefix: '/api', upstream: fallbackUpstream, token: 'user', anonymous: false, websocket: apiWebsocket }], upstreamTimeoutMs);
  return {
    nodeEnv,
    port,
    publicUrl: pub.origin,
    redisUrl: e.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisClusterNodes: e.REDIS_CLUSTER_NODES?.split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    ...(sentinelNodes.length > 0 && e.REDIS_SENTINEL_MASTER ? { redisSentinel: { nodes: sentinelNodes, master: e.REDIS_SENTINEL_MASTER } } : {}),
    redisKeyPrefix: e.REDIS_KEY_PREFIX ?? 'bff:',
    ...(clientCache ? { redisClientCache: { maxEntries: e.REDIS_CLIENT_CACHE_MAX_ENTRIES ?? 4096 } } : {}),
    sessionSecret,
    previousSessionSecrets,
    sessionSecrets: Object.freeze([sessionSecret, ...previousSessionSecrets]),
    sessionSecretGenerated: !e.SESSION_SECRET,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS ?? 60 * 60 * 24,
    sessionIdleTimeoutSeconds: e.SESSION_IDLE_TIMEOUT_SECONDS ?? 60 * 60 * 8,
    maxSessionsPerUser: e.MAX_SESSIONS_PER_USER ?? 0,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS ?? 60 * 60 * 24 * 30,
    cognito: { issuer, clientId, clientSecret, scopes: e.COGNITO_SCOPES ?? 'openid email profile' },
    m2mClient,
    routes,
    upstreamUrl: routes.find((r) => r.prefix === '/api')?.upstream ?? fallbackUpstream,
    upstreamTimeoutMs,
    requestBodyIdleTimeoutMs: e.REQUEST_BODY_IDLE_TIMEOUT_MS ?? 20_000,
    maxRequestsInFlightPerSession: e.MAX_REQUESTS_IN_FLIGHT_PER_SESSION ?? 64,
    maxWebSocketsPerSession: e.MAX_WEBSOCKETS_PER_SESSION ?? 10,
    ...(e.INTERNAL_PORT !== undefined ? { internal: { port: e.INTERNAL_PORT, host: e.INTERNAL_HOST ?? '127.0.0.1' } } : {}),
    ...(e.ADMIN_SCOPE ? { admin: { scope: e.ADMIN_SCOPE, clientIds: Object.freeze(adminClientIds) } } : {}),
    idpTimeoutMs: e.IDP_TIMEOUT_MS ?? 10_000,
    refreshSkewSeconds: e.REFRESH_SKEW_SECONDS ?? 60,
    refreshAheadSpreadSeconds: e.REFRESH_AHEAD_SPREAD_SECONDS ?? 30,
    logLevel: e.LOG_LEVEL ?? 'info',
    metrics: { enabled: e.METRICS_ENABLED !== 'false' && e.METRICS_ENABLED !== '0', token: e.METRICS_TOKEN },
    trustProxy: parseTrustProxy(e.TRUST_PROXY ?? 'loopback'),
    rateLimitAuthPerMinute: e.RATE_LIMIT_AUTH_PER_MINUTE ?? 60,
    serveWeb: production,
    webDistDir: e.WEB_DIST_DIR,
    // a load balancer checking every 2 s that needs 2 failures has stopped sending after ~4 s
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS ?? 5_000,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS ?? 10_000,
    secureCookies: pub.protocol === 'https:',
    ...(tracing ? { tracing } : {}),
  };
}
