import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { SessionService } from '../session/session-service.js';
import { sendJson, sendProblem } from '../http/problem.js';
import type { LogoutTokenVerifier } from '../idp/logout-token.js';

/** What back-channel logout needs: the session service (to end the sessions named) and a logger. */
export interface BackchannelLogoutDeps {
  sessions: Pick<SessionService, 'endOf'>;
  logger: Logger;
}

/** A logout token is a signed JWT of a few hundred bytes to a few kB; the form body is bounded well above it. */
export const BACKCHANNEL_LOGOUT_BODY_LIMIT_BYTES = 16 * 1024;

/**
 * `POST /auth/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0): the IdP tells the BFF
 * that a user or an IdP session signed out. The form field `logout_token` is verified
 * ({@link LogoutTokenVerifier}), then the sessions it names end on every instance (by `sid` when
 * the session's ID token carried one, else every session of `sub`). `200` with
 * `Cache-Control: no-store`; a bad token `400 {"error":"invalid_request"}` as the spec asks.
 * Cognito sends none of these; most other OpenID providers can.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCRequest
 */
export function backchannelLogoutRoutes(deps: BackchannelLogoutDeps, verifier: LogoutTokenVerifier): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: BACKCHANNEL_LOGOUT_BODY_LIMIT_BYTES, parameterLimit: 10 });
  router.post('/auth/backchannel-logout', form, async (req, res) => {
    const refuse = (description: string) =>
      sendJson(res, 400, { error: 'invalid_request', error_description: description }, { 'cache-control': 'no-store' });
    if (!req.is('application/x-www-form-urlencoded')) return refuse('The body must be application/x-www-form-urlencoded with a logout_token.');
    const body = req.body as Record<string, unknown> | undefined;
    const token = body?.logout_token;
    if (typeof token !== 'string' || token.length === 0) return refuse('The form field logout_token is missing.');
    const verdict = await verifier.verify(token);
    if (verdict.kind === 'unavailable') return sendProblem(res, 'idp_unavailable', "The identity provider's keys could not be loaded; send the logout token again.");
    if (verdict.kind === 'invalid') {
      deps.logger.warn({ reqId: req.id, event: 'backchannel_logout', outcome: 'refused', reason: verdict.reason }, 'logout token refused');
      return refuse(`The logout token was refused: ${verdict.reason}.`);
    }
    const ended = await deps.sessions.endOf(verdict.target, req.id);
    deps.logger.info({ reqId: req.id, event: 'backchannel_logout', outcome: 'ended', by: verdict.target.idpSid ? 'sid' : 'sub', ended }, 'back-channel logout');
    res.set('cache-control', 'no-store').status(200).end();
  });
  return router;
}
