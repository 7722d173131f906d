import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Session } from 'express-session';
import type { AuthErrorCode, LogoutResponse } from '@app/shared-types';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { SessionService } from '../session/session-service.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { OidcClient } from '../idp/oidc-client.js';
import { AppError } from '../http/errors.js';
import { requireCsrfHeader } from '../http/csrf.js';
import { clearedCookie, readSessionId } from '../session/cookie.js';
import { absoluteLifetimeSeconds } from '../session/session-activity.js';
import { recordFromCodeGrant } from '../tokens/grant-to-record.js';
import { traceOf } from '../telemetry/request-trace.js';
import { redirectToAuthError } from './auth-error-redirect.js';
import { logoutBodyParser, parseLogoutOptions } from './logout-request.js';
import { IdpError } from '../idp/oidc-client.js';
import { addPending, LOGIN_TRANSACTION_TTL_MS, newLoginTransaction, takePending } from '../session/login-transaction.js';
import { safeReturnTo } from '../http/return-to.js';
import { signInParameters } from './sign-in-parameters.js';

/** What sign-in and sign-out need: the IdP, the token store (to read the session signing out), the session service. */
export interface AuthRoutesDeps {
  config: Config;
  cookieName: string;
  oidc: Pick<OidcClient, 'buildAuthorizationUrl' | 'authorizationCodeGrant' | 'buildEndSessionUrl'>;
  tokens: Pick<TokenStore, 'read'>;
  sessions: Pick<SessionService, 'start' | 'signOut'>;
  logger: Logger;
}

/** Clock skew allowed between the IdP's `auth_time` and this instance when a sign-in asked for `max_age`. */
const MAX_AGE_SKEW_SECONDS = 5;

/** `/auth/login`, `/auth/callback` (need express-session) and `/auth/logout` (does not). */
export function authRoutes(deps: AuthRoutesDeps, sessionMiddleware: RequestHandler): Router {
  const router = Router();
  router.get('/auth/login', sessionMiddleware, (req, res) => login(deps, req, res));
  router.get('/auth/callback', sessionMiddleware, (req, res) => callback(deps, req, res));
  router.post('/auth/logout', requireCsrfHeader, logoutBodyParser, (req, res) => logout(deps, req, res));
  return router;
}

async function login(deps: AuthRoutesDeps, req: Request, res: Response) {
  const parameters = signInParameters(req.query);
  const maxAge = parameters.max_age === undefined ? undefined : Number(parameters.max_age);
  const tx = newLoginTransaction(safeReturnTo(req.query.returnTo, deps.config.publicUrl), Date.now(), maxAge);
  const url = await deps.oidc.buildAuthorizationUrl(tx, parameters);
  req.session.logins = addPending(req.session.logins, tx);
  // an anonymous attempt (and its cookie) lives as long as its transaction, not a whole session;
  // a signed-in session that starts another sign-in keeps its own lifetime
  if (!req.session.user) req.session.cookie.maxAge = LOGIN_TRANSACTION_TTL_MS;
  await saveSession(req.session);
  res.set('cache-control', 'no-store').redirect(302, url.toString());
}

async function callback(deps: AuthRoutesDeps, req: Request, res: Response) {
  const fail = (code: AuthErrorCode) => redirectToAuthError(res, code);
  const { match: tx, rest } = takePending(req.session.logins, req.query.state);
  if (!tx) return fail('invalid_callback');
  req.session.logins = rest; // a state is good once, whatever happens next
  if (typeof req.query.error === 'string') {
    await saveSession(req.session);
    return fail(req.query.error === 'access_denied' ? 'access_denied' : 'login_failed');
  }

  let tokens;
  try {
    tokens = await deps.oidc.authorizationCodeGrant(new URL(req.originalUrl, deps.config.publicUrl), tx, traceOf(req));
  } catch (err) {
    await saveSession(req.session);
    if (err instanceof IdpError) {
      deps.logger.warn({ reqId: req.id, event: 'login', outcome: err.kind, oauthError: err.oauthError }, 'code exchange failed');
      return fail(err.kind === 'unavailable' ? 'idp_unavailable' : 'invalid_callback');
    }
    throw err;
  }

  const previousSid = req.sessionID;
  const record = recordFromCodeGrant(tokens, absoluteLifetimeSeconds(deps.config));
  // step-up: openid-client allows 30 s of skew on max_age; a sign-in that must be recent gets 5 s
  if (tx.maxAge !== undefined && (record.authTime === undefined || record.createdAt - record.authTime > tx.maxAge + MAX_AGE_SKEW_SECONDS)) {
    await saveSession(req.session);
    deps.logger.warn({ reqId: req.id, event: 'login', outcome: 'stale_authentication', maxAge: tx.maxAge, authAge: record.authTime === undefined ? null : record.createdAt - record.authTime }, 'ID token older than the max_age asked for');
    return fail('invalid_callback');
  }
  await regenerateSession(req); // a new id at sign-in: no session fixation
  req.session.user = { sub: record.user.sub };
  req.session.createdAt = record.createdAt;
  req.session.cookie.maxAge = (record.sessionExpiresAt - record.createdAt) * 1000;
  // the old session ends, the new one is indexed, MAX_SESSIONS_PER_USER applies (session/session-service.ts)
  const started = await deps.sessions.start({
    sid: req.sessionID,
    record,
    userAgent: req.headers['user-agent'],
    replaces: previousSid,
    saveDocument: () => saveSession(req.session),
    reqId: req.id,
  });
  if (!started.confirmed) {
    // with replicas: a session (or its index entry) no replica has could vanish in a failover, so
    // the sign-in is not reported as done; the half-made session has ended like a sign-out (docs/adr/0005)
    deps.logger.warn({ reqId: req.id, event: 'login', outcome: 'unreplicated' }, 'new session not confirmed by a replica in time');
    throw new AppError('session_store_unavailable');
  }
  deps.logger.info({ reqId: req.id, event: 'login', outcome: 'signed_in', sub: record.user.sub }, 'signed in');
  // checked again on the way out (a transaction may predate the current rules) and sent as is:
  // res.redirect() would re-encode it, and the browser must get exactly the string that was checked
  res.set('cache-control', 'no-store').set('location', safeReturnTo(tx.returnTo, deps.config.publicUrl)).status(302).end();
}

async function logout(deps: AuthRoutesDeps, req: Request, res: Response) {
  const { everywhere = false } = parseLogoutOptions(req.body);
  const sid = readSessionId(req.headers.cookie, deps.cookieName, deps.config.sessionSecrets);
  const current = sid ? await deps.tokens.read(sid) : undefined;
  const logoutUrl = await deps.oidc.buildEndSessionUrl(current?.record.idToken);
  // everywhere: every session of this user (each refresh token revoked), this one included
  const ended = await deps.sessions.signOut({ sid, current, everywhere, reqId: req.id, parent: traceOf(req) });
  deps.logger.info({ reqId: req.id, event: 'logout', outcome: current ? 'signed_out' : 'no_session', everywhere, sessions: current ? ended : 0 }, 'signed out');
  res.set('cache-control', 'no-store').set('set-cookie', clearedCookie(deps.config)).status(200).json({ logoutUrl } satisfies LogoutResponse);
}

function saveSession(session: Session): Promise<void> {
  return new Promise((resolve, reject) => session.save((err?: unknown) => (err ? reject(toStoreError(err)) : resolve())));
}

function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => req.session.regenerate((err?: unknown) => (err ? reject(toStoreError(err)) : resolve())));
}

function toStoreError(err: unknown): AppError {
  return new AppError('session_store_unavailable', undefined, { cause: err });
}
