import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '@app/shared-types';
import type { Deps } from '../deps.js';
import { hasCsrfHeader } from '../http/csrf.js';
import { sendProblem } from '../http/problem.js';
import { clearedCookie } from '../session/cookie.js';
import { lookupSession } from '../session/session-lookup.js';
import { parseRequestTarget, REFUSED_METHODS } from './request-target.js';

/**
 * Who the upstream call is made for: a token to attach and the caller it stands for (a session,
 * or a bearer token's subject: the key of the in-flight limit), or the error to answer instead.
 */
export type ApiAuth =
  | { kind: 'bearer'; token: string; caller: string }
  | { kind: 'error'; code: ErrorCode; detail?: string; endSession?: boolean };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Decides the token for an `/api/*` call: a verified bearer token sent by a non-browser client
 * is forwarded as is; otherwise the cookie session's access token, refreshed first when needed,
 * and only with `X-CSRF: 1`.
 */
export async function authorizeApiCall(deps: Deps, req: IncomingMessage, res?: ServerResponse): Promise<ApiAuth> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return { kind: 'error', code: 'invalid_token', detail: 'Authorization must be "Bearer <access token>".' };
    const verdict = await deps.bearer.verify(token);
    if (verdict.kind === 'valid') return { kind: 'bearer', token, caller: `bearer:${String(verdict.claims.sub ?? verdict.claims.client_id)}` };
    if (verdict.kind === 'unavailable') return { kind: 'error', code: 'idp_unavailable' };
    return { kind: 'error', code: 'invalid_token', detail: verdict.reason };
  }
  if (!req.headers.cookie?.includes(deps.cookieName)) return { kind: 'error', code: 'unauthenticated' };
  if (!hasCsrfHeader(req)) return { kind: 'error', code: 'csrf_header_missing', detail: 'Send the header X-CSRF: 1 with API calls.' };
  const found = await lookupSession(deps, req, res); // res: a cookie signed under a previous secret is re-signed
  if (found.kind === 'anonymous') return { kind: 'error', code: 'unauthenticated', endSession: found.hadCookie };
  const result = await deps.refresher.ensureFresh(found.sid, found.current);
  if (result.kind === 'fresh') return { kind: 'bearer', token: result.current.record.accessToken, caller: `session:${found.sid}` };
  if (result.kind === 'none') return { kind: 'error', code: 'unauthenticated', endSession: true };
  return { kind: 'error', code: result.code, endSession: result.code === 'session_expired' };
}

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const fallbackUpstreams = new WeakMap<Deps['config'], { origin: string; basePath: string }>();

/** `API_UPSTREAM_URL` split once into the pool's origin and the base path that replaces `/api`. */
function fallbackUpstream(config: Deps['config']) {
  let upstream = fallbackUpstreams.get(config);
  if (!upstream) {
    const url = new URL(config.upstreamUrl);
    upstream = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
    fallbackUpstreams.set(config, upstream);
  }
  return upstream;
}

/**
 * `ANY /api/*`: check the request target (the normalised one is what is matched and forwarded),
 * authorize, take an in-flight slot for the caller, then stream to the upstream.
 */
export async function handleApi(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (REFUSED_METHODS.has(req.method ?? '')) {
    return sendProblem(res, 'method_not_allowed', `${req.method} is never forwarded.`, { allow: ALLOWED_METHODS });
  }
  const target = parseRequestTarget(req.url ?? '/api');
  if (target.kind === 'bad') return sendProblem(res, 'bad_request', target.reason);
  const auth = await authorizeApiCall(deps, req, res);
  if (auth.kind === 'error') {
    return sendProblem(res, auth.code, auth.detail, auth.endSession ? { 'set-cookie': clearedCookie(deps.config) } : {});
  }
  const release = deps.inFlight.acquire(auth.caller);
  if (!release) {
    return sendProblem(res, 'rate_limited', `At most ${deps.inFlight.max} calls of one session may be in flight at once.`, { 'retry-after': '1' });
  }
  res.once('close', release);
  const upstream = fallbackUpstream(deps.config);
  const path = `${upstream.basePath}${target.path.slice('/api'.length) || '/'}${target.query}`;
  await deps.upstream.forward(req, res, { origin: upstream.origin, path, timeoutMs: deps.config.upstreamTimeoutMs }, auth.token);
}
