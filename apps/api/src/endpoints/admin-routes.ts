import { Router } from 'express';
import type { Logger } from 'pino';
import type { AdminEndSessionsResponse } from '@app/shared-types';
import type { BearerVerifier } from '../idp/bearer-verifier.js';
import type { Config } from '../config/config.js';
import type { SessionService } from '../session/session-service.js';
import { sendJson, sendProblem } from '../http/problem.js';

/** What the admin route needs: its settings and verifier, and the session ending. */
export interface AdminDeps {
  config: Pick<Config, 'admin'>;
  sessions: Pick<SessionService, 'endOf'>;
  logger: Logger;
  adminBearer?: Pick<BearerVerifier, 'verify'>;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
// a Cognito `sub` is a UUID; other IdPs' subjects are opaque strings: printable ASCII, bounded
const SUBJECT = /^[\x21-\x7e]{1,255}$/;

/**
 * `DELETE /admin/users/{sub}/sessions`, on the internal listener only: a back end that disabled a
 * user ends every session of theirs on every instance at once (refresh tokens revoked, sockets
 * closed with 4401) instead of when the access token expires. Authorised by a `client_credentials`
 * access token of the pool, issued to one of `ADMIN_CLIENT_IDS` and carrying `ADMIN_SCOPE`.
 * Not mounted without `ADMIN_SCOPE`.
 * @see ../../../../shared/docs/contract.md ("Ending sessions from outside, and step-up")
 */
export function adminRoutes(deps: AdminDeps): Router {
  const router = Router();
  const admin = deps.config.admin;
  const verifier = deps.adminBearer;
  if (!admin || !verifier) return router;
  const challenge = { 'www-authenticate': `Bearer realm="admin", scope="${admin.scope}"` };
  router.delete('/admin/users/:sub/sessions', async (req, res) => {
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return sendProblem(res, 'unauthenticated', 'Send Authorization: Bearer <client_credentials access token>.', challenge);
    const verdict = await verifier.verify(token);
    if (verdict.kind === 'unavailable') return sendProblem(res, 'idp_unavailable');
    if (verdict.kind === 'invalid') return sendProblem(res, 'invalid_token', `The token was refused: ${verdict.reason}.`, challenge);
    const { claims } = verdict;
    // a client_credentials token is the client itself (Cognito: sub = client_id, no username); a user's token never qualifies
    if (claims.sub !== claims.client_id || claims.username !== undefined) {
      return sendProblem(res, 'forbidden', "Only a machine-to-machine (client_credentials) token may end a user's sessions.");
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(admin.scope)) return sendProblem(res, 'forbidden', `The token lacks the scope ${admin.scope}.`);
    const sub = String(req.params.sub);
    if (!SUBJECT.test(sub)) return sendProblem(res, 'bad_request', 'The user id must be 1 to 255 printable ASCII characters.');
    const ended = await deps.sessions.endOf({ sub }, req.id);
    deps.logger.info({ reqId: req.id, event: 'admin_end_sessions', client: claims.client_id, sub, ended }, "a back end ended a user's sessions");
    sendJson(res, 200, { ended } satisfies AdminEndSessionsResponse, { 'cache-control': 'no-store' });
  });
  return router;
}
