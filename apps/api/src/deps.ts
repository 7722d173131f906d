import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { RedisStore } from 'connect-redis';
import type { Config } from './config/config.js';
import { BearerVerifier } from './idp/bearer-verifier.js';
import { IdpKeys } from './idp/idp-keys.js';
import { LogoutTokenVerifier } from './idp/logout-token.js';
import { OidcClient } from './idp/oidc-client.js';
import { ActiveSessions } from './session/active-sessions.js';
import { Metrics } from './telemetry/metrics.js';
import type { Tracing } from './telemetry/request-span.js';
import { createTracing } from './telemetry/tracing-sdk.js';
import { Forwarding } from './proxy/forwarding.js';
import { RouteTable } from './routing/route-table.js';
import { ClientTokenProvider } from './tokens/client-token-provider.js';
import { InFlightLimiter } from './proxy/in-flight.js';
import { LiveConnections } from './live/live-connections.js';
import { LIVE_SWEEP_INTERVAL_MS, LiveSessionChecks } from './live/live-session-checks.js';
import { UpstreamProxy } from './proxy/upstream-proxy.js';
import { Lifecycle } from './kernel/lifecycle.js';
import { errorSummary } from './kernel/logger.js';
import { createRedis, type Redis } from './redis/client.js';
import { ReplicatedWrites } from './redis/replication.js';
import { SessionReadCache } from './redis/session-read-cache.js';
import { cookieName } from './session/cookie.js';
import { SessionActivity } from './session/session-activity.js';
import { createSessionStore, sessionDocumentPrefix } from './session/session-store.js';
import { SessionService } from './session/session-service.js';
import { UserSessionIndex } from './session/user-sessions.js';
import { TokenCipher } from './tokens/crypto.js';
import { RefreshCoordinator, type RefreshOptions } from './tokens/refresh-coordinator.js';
import { TokenStore } from './tokens/token-store.js';
import type { TokenRecord } from './tokens/token-record.js';

/** Everything a request handler needs; built once per process by {@link createDeps}. */
export interface Deps {
  config: Config;
  logger: Logger;
  redis: Redis;
  /** Writes that wait for a replica (Sentinel, Cluster); unset with one server. */
  replicated?: ReplicatedWrites;
  /** The client-side cache of session records (`REDIS_CLIENT_CACHE`), on its own connection(s); unset when off. */
  sessionReads?: SessionReadCache;
  oidc: OidcClient;
  tokens: TokenStore;
  /** express-session's documents (connect-redis). */
  sessionStore: RedisStore;
  /** Where sessions start and end: sign-in, sign-out, every other ending, and whether a session is live. */
  sessions: SessionService;
  refresher: RefreshCoordinator;
  bearer: BearerVerifier;
  /** Verifies the admin route's tokens (`ADMIN_CLIENT_IDS`); unset when `ADMIN_SCOPE` is. */
  adminBearer?: BearerVerifier;
  /** The IdP's signing keys: bearer tokens and back-channel logout tokens are verified against them. */
  idpKeys: IdpKeys;
  /** Verifies back-channel logout tokens (`POST /auth/backchannel-logout`), `jti` replay refused across instances. */
  logoutTokens: LogoutTokenVerifier;
  upstream: UpstreamProxy;
  /** Per-session cap on `/api/*` calls in flight on this instance. */
  inFlight: InFlightLimiter;
  /** The route table (`API_ROUTES` / `API_ROUTES_FILE`, or `API_UPSTREAM_URL` alone), compiled once. */
  routes: RouteTable;
  /** The BFF's own `client_credentials` tokens for `client` routes. */
  clientTokens: ClientTokenProvider;
  /** Builds the forwarding headers an upstream gets (the HTTP proxy and WebSocket upgrades). */
  forwarding: Forwarding;
  /** The WebSockets open on this instance (closed when their session ends, and on shutdown). */
  live: LiveConnections;
  /**
   * Keeps open WebSockets in step with their sessions on every instance (the session-end channel
   * and the periodic sweep); only when a route takes WebSockets. Started by {@link connectDeps}.
   */
  liveChecks?: LiveSessionChecks;
  /** The client's address as far as `TRUST_PROXY` believes the forwarding chain (what Express calls `req.ip`). */
  clientIp: (req: IncomingMessage) => string;
  cookieName: string;
  /** Sliding idle timeout: last activity and the throttled touch (issue 5). */
  activity: SessionActivity;
  /** Each user's sessions, for `GET /sessions` and sign-out everywhere (issue 5). */
  userSessions: UserSessionIndex;
  /** Prometheus metrics of this process (`GET /metrics`). */
  metrics: Metrics;
  /** Deployment-wide count of live sessions (sign-in adds; every SessionService.end removes). */
  activeSessions: ActiveSessions;
  /** W3C trace propagation, and OpenTelemetry spans when an OTLP endpoint is configured. */
  tracing: Tracing;
  /** Draining on shutdown: `/readyz` answers 503 and responses close their connections. */
  lifecycle: Lifecycle;
}

/** Options tests use to shorten the refresh lease and polling. */
export interface DepsOptions {
  refresh?: Omit<RefreshOptions, 'skewSeconds'>;
  /** How often open WebSockets' sessions are checked (default {@link LIVE_SWEEP_INTERVAL_MS}). */
  liveSweepIntervalMs?: number;
}

/** Wires the services of one API process. Connecting Redis is left to the caller ({@link connectDeps}). */
export function createDeps(config: Config, logger: Logger, options: DepsOptions = {}): Deps {
  const forwarding = new Forwarding(config.trustProxy, config.publicUrl);
  const cipher = new TokenCipher(config.sessionSecrets);
  const tracing = createTracing(config.tracing, logger, config.serveWeb);
  const target = { url: config.redisUrl, clusterNodes: config.redisClusterNodes, sentinel: config.redisSentinel };
  const redis = createRedis(target, logger);
  const replicated = config.redisSentinel || config.redisClusterNodes?.length ? new ReplicatedWrites(redis, config.redisUrl, logger) : undefined;
  const sessionReads = config.redisClientCache ? new SessionReadCache(target, config.redisClientCache.maxEntries, redis, logger) : undefined;
  const oidc = new OidcClient(config, logger);
  const idpKeys = new IdpKeys(oidc, config.idpTimeoutMs);
  const tokens = new TokenStore(redis, cipher, config.redisKeyPrefix, replicated, sessionReads);
  const sessionStore = createSessionStore(redis, config.redisKeyPrefix, config.sessionTtlSeconds, config.sessionIdleTimeoutSeconds);
  const userSessions = new UserSessionIndex(redis, tokens, config.redisKeyPrefix, config.sessionIdleTimeoutSeconds, config.sessionSecrets, replicated);
  const metrics = new Metrics({ serveWeb: config.serveWeb, sessions: { count: (): Promise<number> => activeSessions.count() } });
  const activeSessions = new ActiveSessions(redis, config.redisKeyPrefix, logger, metrics);
  const live = new LiveConnections(logger, config.maxWebSocketsPerSession);
  const documentKey = (sid: string) => `${sessionDocumentPrefix(config.redisKeyPrefix)}${sid}`;
  const activity = new SessionActivity(redis, tokens, documentKey, config.sessionIdleTimeoutSeconds, logger);
  // the services below call each other (a session's end closes its sockets, the sweep refreshes
  // and reads sessions): each arrow is only followed after every object exists
  const websockets = config.routes.some((r) => r.websocket);
  const sessions: SessionService = new SessionService({
    config,
    tokens,
    documents: sessionStore,
    userSessions,
    activity,
    activeSessions,
    oidc,
    logger,
    ...(websockets ? { ended: (sid: string) => liveChecks!.ended(sid) } : {}),
  });
  const refresher: RefreshCoordinator = new RefreshCoordinator(redis, tokens, oidc, (sid) => sessions.end(sid), logger, {
    skewSeconds: config.refreshSkewSeconds,
    aheadSpreadSeconds: config.refreshAheadSpreadSeconds,
    maxWaitMs: config.idpTimeoutMs + 5_000,
    idpTimeoutMs: config.idpTimeoutMs,
    observer: metrics,
    ...(replicated ? { replicated } : {}),
    ...(websockets ? { onRefreshed: (sid: string, record: TokenRecord) => liveChecks!.refreshed(sid, record) } : {}),
    ...options.refresh,
  });
  const liveChecks = websockets
    ? new LiveSessionChecks({ live, tokens, sessions, refresher, redis, keyPrefix: config.redisKeyPrefix, logger }, options.liveSweepIntervalMs ?? LIVE_SWEEP_INTERVAL_MS)
    : undefined;
  return {
    config,
    logger,
    redis,
    ...(replicated ? { replicated } : {}),
    ...(sessionReads ? { sessionReads } : {}),
    forwarding,
    live,
    ...(liveChecks ? { liveChecks } : {}),
    oidc,
    tokens,
    sessionStore,
    sessions,
    activity,
    userSessions,
    refresher,
    idpKeys,
    logoutTokens: new LogoutTokenVerifier(idpKeys, redis, config.redisKeyPrefix, config.cognito.issuer, config.cognito.clientId, async () => {
      const announced = (await oidc.configuration()).serverMetadata().id_token_signing_alg_values_supported ?? ['RS256'];
      // asymmetric only: `none` and the HS* family (keyed with our client secret) never sign a logout token we accept
      return announced.filter((alg) => alg !== 'none' && !alg.startsWith('HS'));
    }),
    bearer: new BearerVerifier(idpKeys, config.cognito.issuer, config.cognito.clientId),
    ...(config.admin ? { adminBearer: new BearerVerifier(idpKeys, config.cognito.issuer, config.admin.clientIds) } : {}),
    upstream: new UpstreamProxy(forwarding, config.requestBodyIdleTimeoutMs, logger, metrics),
    inFlight: new InFlightLimiter(config.maxRequestsInFlightPerSession),
    routes: new RouteTable(config.routes),
    clientTokens: new ClientTokenProvider(redis, cipher, oidc, config.redisKeyPrefix, config.m2mClient.clientId, logger, {
      skewSeconds: config.refreshSkewSeconds,
      maxWaitMs: config.idpTimeoutMs + 5_000,
      observer: metrics,
    }),
    clientIp: (req) => forwarding.clientIp(req),
    cookieName: cookieName(config),
    metrics,
    activeSessions,
    tracing,
    lifecycle: new Lifecycle(),
  };
}

/**
 * Connects Redis (waiting at most `timeoutMs`; the client keeps retrying in the background, so the
 * API starts and answers 503 until Redis is there), warms up OIDC discovery and starts the WebSocket
 * session checks (when a route takes WebSockets; {@link closeDeps} stops them).
 */
export async function connectDeps(deps: Deps, timeoutMs = 2_000): Promise<void> {
  const connecting = Promise.all([
    deps.redis.connect().catch((err: unknown) => deps.logger.warn({ err: errorSummary(err) }, 'redis connect failed; retrying')),
    deps.sessionReads?.connect().catch((err: unknown) => deps.logger.warn({ err: errorSummary(err) }, 'redis (client-side cache) connect failed; retrying')),
  ]);
  await Promise.race([connecting, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  await deps.oidc.configuration().catch((err: unknown) => deps.logger.warn({ err: errorSummary(err) }, 'oidc discovery failed; will retry on demand'));
  deps.liveChecks?.start();
}

/** Closes connections and flushes the spans still queued (shutdown and tests). */
export async function closeDeps(deps: Deps): Promise<void> {
  await deps.liveChecks?.stop();
  await deps.upstream.close().catch(() => undefined);
  await deps.replicated?.close();
  await deps.sessionReads?.close();
  if (deps.redis.isOpen) {
    // close() waits for replies; a node that died (a killed cluster primary) never sends them
    const closed = await Promise.race([deps.redis.close().then(() => true, () => true), new Promise<false>((r) => setTimeout(() => r(false), 2_000).unref())]);
    if (!closed) deps.redis.destroy();
  }
  await deps.tracing.shutdown().catch(() => undefined);
}
