import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express } from 'express';
import session from 'express-session';
import type { Deps } from './deps.js';
import { authGuards } from './endpoints/auth-guards.js';
import { adminRoutes } from './endpoints/admin-routes.js';
import { authRoutes } from './endpoints/auth-routes.js';
import { backchannelLogoutRoutes } from './endpoints/backchannel-logout.js';
import { openApiRoutes } from './endpoints/openapi-routes.js';
import { healthRoutes } from './endpoints/health-routes.js';
import { answerError, errorSink } from './endpoints/error-sink.js';
import { AppError, logError } from './http/errors.js';
import { sendProblem } from './http/problem.js';
import { echoRequestIdNow, requestLogger } from './http/request-log.js';
import { metricsRoutes } from './endpoints/metrics-routes.js';
import { isApiTarget } from './telemetry/route-group.js';
import { handleForwardAuth, isForwardAuthPath } from './endpoints/forward-auth.js';
import { handleUpgrade } from './endpoints/upgrade-handler.js';
import { handleApi } from './endpoints/api-handler.js';
import { cookieOptions } from './session/cookie.js';
import { handleSession } from './endpoints/session-handler.js';
import { sessionsRoutes } from './endpoints/sessions-routes.js';
import { webRoutes } from './endpoints/web-routes.js';

/** A request listener for `http.createServer` (and supertest), plus the Express part for inspection. */
export interface App {
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The server's `upgrade` listener: WebSockets on routes with `"websocket": true` (endpoints/upgrade-handler.ts). */
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  express: Express;
  /**
   * The internal listener's request listener (`INTERNAL_PORT`): forward auth, metrics and health,
   * for the ingress and Prometheus only. Unset when `INTERNAL_PORT` is not.
   */
  internalHandler?: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * Builds the API. `/api/*`, `/session` and `/auth/check` run on a lean path ahead of Express (no Express
 * router, no express-session: one Redis read per call, no session write); everything else goes
 * through Express. See docs/adr/0003-proxy-on-undici-ahead-of-express.md.
 */
export function createApp(deps: Deps): App {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);

  const sessionMiddleware = session({
    name: deps.cookieName,
    secret: [...deps.config.sessionSecrets], // the first signs, all verify (PREVIOUS_SESSION_SECRETS)
    store: deps.sessionStore,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    cookie: cookieOptions(deps.config),
  });

  app.use(healthRoutes(deps));
  // with an internal listener, metrics are served there only (contract: "The internal listener")
  if (!deps.config.internal) app.use(metricsRoutes(deps));
  app.use(openApiRoutes(deps));
  app.use(authGuards(deps)); // body cap and rate limits, before express-session touches Redis
  app.use(authRoutes(deps, sessionMiddleware));
  app.use(backchannelLogoutRoutes(deps, deps.logoutTokens));
  app.use(sessionsRoutes(deps));
  if (deps.config.serveWeb) app.use(webRoutes(deps.config, () => deps.oidc.authorizationOrigin));
  app.use((_req, _res, next) => next(new AppError('not_found')));
  app.use(errorSink(deps.logger));

  const logRequest = requestLogger(deps.logger, deps.metrics);

  const fast = (fn: (deps: Deps, req: IncomingMessage, res: ServerResponse) => Promise<void>, req: IncomingMessage, res: ServerResponse) => {
    fn(deps, req, res).catch((err: unknown) => answerError(res, err, deps.logger));
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    logRequest(req, res);
    const url = req.url ?? '/';
    if (isApiTarget(url)) return fast(handleApi, req, res);
    // `/auth/check` answers with an access token: never on the public port (Express answers 404)
    if (url === '/session' || url.startsWith('/session?')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendProblem(res, 'method_not_allowed', undefined, { allow: 'GET, HEAD' });
      return fast(handleSession, req, res);
    }
    echoRequestIdNow(res);
    app(req, res);
  };
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    handleUpgrade(deps, req, socket, head).catch((err: unknown) => {
      // handleUpgrade answers every failure it knows on the socket: what reaches here is a bug
      logError(deps.logger, new AppError('internal_error', undefined, { cause: err }), { event: 'websocket' }, 'WebSocket upgrade failed');
      socket.destroy();
    });
  };
  const internalHandler = deps.config.internal ? deps.tracing.serve(createInternalHandler(deps, logRequest, fast)) : undefined;
  return { handler: deps.tracing.serve(handler), upgrade, express: app, ...(internalHandler ? { internalHandler } : {}) };
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;
type FastRunner = (fn: (deps: Deps, req: IncomingMessage, res: ServerResponse) => Promise<void>, req: IncomingMessage, res: ServerResponse) => void;

/**
 * The internal listener (`INTERNAL_PORT`): what only the infrastructure may call. Forward auth
 * answers with the user's access token, so it lives here and nowhere else: a script on the
 * public origin can never read a token from it.
 * @see ../../../shared/docs/contract.md ("The internal listener")
 */
function createInternalHandler(deps: Deps, logRequest: Listener, fast: FastRunner): Listener {
  const internal = express();
  internal.disable('x-powered-by');
  internal.set('trust proxy', deps.config.trustProxy);
  internal.use(healthRoutes(deps));
  internal.use(metricsRoutes(deps));
  internal.use(adminRoutes(deps)); // DELETE /admin/users/{sub}/sessions, only with ADMIN_SCOPE
  internal.use((_req, _res, next) => next(new AppError('not_found')));
  internal.use(errorSink(deps.logger));
  return (req, res) => {
    logRequest(req, res);
    // forward auth answers on every request an ingress routes: one Redis read, no Express
    if (isForwardAuthPath(req.url ?? '/')) return fast(handleForwardAuth, req, res);
    echoRequestIdNow(res);
    internal(req, res);
  };
}
