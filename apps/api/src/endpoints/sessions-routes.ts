import { Router, type Request, type Response } from 'express';
import type { SessionListResponse } from '@app/shared-types';
import type { Config } from '../config/config.js';
import type { SessionLookupDeps } from '../session/session-lookup.js';
import type { SessionService } from '../session/session-service.js';
import type { UserSessionIndex } from '../session/user-sessions.js';
import { requireCsrfHeader } from '../http/csrf.js';
import { AppError } from '../http/errors.js';
import { traceOf } from '../telemetry/request-trace.js';
import { clearedCookie } from '../session/cookie.js';
import { lookupSession } from '../session/session-lookup.js';

/** What `/sessions` needs: the session lookup, the user index and the session service (to end one). */
export interface SessionsRoutesDeps extends SessionLookupDeps {
  userSessions: Pick<UserSessionIndex, 'list' | 'find'>;
  sessions: Pick<SessionService, 'endRevoking'>;
  config: SessionLookupDeps['config'] & Config;
}

/**
 * `GET /sessions` (the signed-in user's sessions; a safe read, so no `X-CSRF` needed) and
 * `DELETE /sessions/:id` (ends one of them; needs `X-CSRF: 1`). Cookie sessions only: the id in
 * the list is an opaque handle, never a session id.
 */
export function sessionsRoutes(deps: SessionsRoutesDeps): Router {
  const router = Router();
  router.get('/sessions', async (req, res) => {
    const me = await signedIn(deps, req, res);
    const sessions = await deps.userSessions.list(me.sub);
    const body: SessionListResponse = {
      sessions: sessions.map((s) => ({ id: s.handle, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, userAgent: s.userAgent, current: s.sid === me.sid })),
    };
    res.set('cache-control', 'no-store').json(body);
  });
  router.delete('/sessions/:id', requireCsrfHeader, async (req, res) => {
    const me = await signedIn(deps, req, res);
    const target = await deps.userSessions.find(me.sub, String(req.params.id));
    if (!target) throw new AppError('not_found', 'You have no session with this id.');
    await deps.sessions.endRevoking([target.sid], req.id, undefined, traceOf(req));
    deps.logger.info({ reqId: req.id, event: 'session_ended', outcome: target.sid === me.sid ? 'current' : 'other' }, 'session ended by its user');
    if (target.sid === me.sid) res.set('set-cookie', clearedCookie(deps.config));
    res.set('cache-control', 'no-store').status(204).end();
  });
  return router;
}

async function signedIn(deps: SessionsRoutesDeps, req: Request, res: Response): Promise<{ sid: string; sub: string }> {
  const found = await lookupSession(deps, req);
  // cleared, or re-signed after a secret rotation: set before anything else can answer (an error too)
  if (found.cookie) res.set('set-cookie', found.cookie.setCookie);
  if (found.kind === 'session') return { sid: found.sid, sub: found.current.record.user.sub };
  throw new AppError('unauthenticated');
}
