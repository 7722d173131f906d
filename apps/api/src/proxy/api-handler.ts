import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '@app/shared-types';
import type { Deps } from '../deps.js';
import { hasCsrfHeader } from '../http/csrf.js';
import { sendProblem } from '../http/problem.js';
import { clearedCookie } from '../session/cookie.js';
import { lookupSession } from '../session/session-lookup.js';

/** Who the upstream call is made for: a token to attach, or the error to answer instead. */
export type ApiAuth = { kind: 'bearer'; token: string } | { kind: 'error'; code: ErrorCode; detail?: string; endSession?: boolean };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Decides the token for an `/api/*` call: a verified bearer token sent by a non-browser client
 * is forwarded as is; otherwise the cookie session's access token, refreshed first when needed,
 * and only with `X-CSRF: 1`.
 */
export async function authorizeApiCall(deps: Deps, req: IncomingMessage): Promise<ApiAuth> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return { kind: 'error', code: 'invalid_token', detail: 'Authorization must be "Bearer <access token>".' };
    const verdict = await deps.bearer.verify(token);
    if (verdict.kind === 'valid') return { kind: 'bearer', token };
    if (verdict.kind === 'unavailable') return { kind: 'error', code: 'idp_unavailable' };
    return { kind: 'error', code: 'invalid_token', detail: verdict.reason };
  }
  if (!req.headers.cookie?.includes(deps.cookieName)) return { kind: 'error', code: 'unauthenticated' };
  if (!hasCsrfHeader(req)) return { kind: 'error', code: 'csrf_header_missing', detail: 'Send the header X-CSRF: 1 with API calls.' };
  const found = await lookupSession(deps, req);
  if (found.kind === 'anonymous') return { kind: 'error', code: 'unauthenticated', endSession: found.hadCookie };
  const result = await deps.refresher.ensureFresh(found.sid, found.current);
  if (result.kind === 'fresh') return { kind: 'bearer', token: result.current.record.accessToken };
  if (result.kind === 'none') return { kind: 'error', code: 'unauthenticated', endSession: true };
  return { kind: 'error', code: result.code, endSession: result.code === 'session_expired' };
}

/** A `.` or `..` segment, plain or percent-encoded, which could climb out of the upstream's base path. */
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$|\?)/i;

/** `ANY /api/*`: authorize, then stream to the upstream. */
export async function handleApi(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const rest = (req.url ?? '/api').slice('/api'.length);
  const pathOnly = rest.split('?', 1)[0] ?? '';
  if (DOT_SEGMENT.test(pathOnly) || pathOnly.includes('\\')) {
    return sendProblem(res, 'bad_request', 'Dot segments and backslashes are not allowed in API paths.');
  }
  const auth = await authorizeApiCall(deps, req);
  if (auth.kind === 'error') {
    return sendProblem(res, auth.code, auth.detail, auth.endSession ? { 'set-cookie': clearedCookie(deps.config) } : {});
  }
  await deps.upstream.forward(req, res, deps.upstream.upstreamPath(rest), auth.token);
}
