import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiRoute } from '@app/shared-types';
import type { Deps } from '../deps.js';
import { sendProblem } from '../http/problem.js';
import { authorize, type CallerIdentity } from '../routing/access.js';
import { clearedCookie } from '../session/cookie.js';

/**
 * The virtual route a forward-auth check is decided on: a `user` route without groups or scopes
 * (signed in, by cookie or bearer token, is enough). Which service may be reached by whom is the
 * ingress's routing; it reads `X-Auth-Request-Groups` if it needs more (docs/forward-auth.md).
 */
const CHECK_ROUTE: ApiRoute = Object.freeze({ prefix: '/auth/check', upstream: 'http://forward-auth.invalid', token: 'user', anonymous: false, websocket: false, timeoutMs: 0 });

/** True for the forward-auth paths: `/auth/check`, and `/auth/check/<original path>` as Envoy's `path_prefix` sends it. */
export function isForwardAuthPath(url: string): boolean {
  return url === '/auth/check' || url.startsWith('/auth/check?') || url.startsWith('/auth/check/');
}

/**
 * `GET /auth/check` for nginx `auth_request`, Traefik `ForwardAuth` and Envoy `ext_authz` (HTTP):
 * asks the access policy about the original request (its method from `X-Forwarded-Method` /
 * `X-Original-Method`, else this request's own; unsafe methods need `X-CSRF: 1`) and answers
 * `200` with a fresh `Authorization` and the `X-Auth-Request-*` headers, or a problem+json
 * `401`/`403` (never a redirect: the ingress decides what a browser sees).
 * @see ../../../../docs/forward-auth.md
 */
export async function handleForwardAuth(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume(); // Envoy may send the original method, with a Content-Length but no body: never wait for one
  const method = originalMethod(req);
  const access = await authorize(deps, req, CHECK_ROUTE, { kind: 'unsafe-methods', method });
  const cookie = access.clearCookie ? { 'set-cookie': clearedCookie(deps.config) } : undefined;
  if (access.kind === 'denied') return sendProblem(res, access.code, access.detail, cookie);
  res.writeHead(200, {
    'cache-control': 'no-store',
    'content-length': '0',
    ...(access.token ? { authorization: `Bearer ${access.token}` } : {}),
    ...(access.identity ? identityHeaders(access.identity) : {}),
    ...cookie,
  });
  res.end();
}

function originalMethod(req: IncomingMessage): string {
  const header = req.headers['x-forwarded-method'] ?? req.headers['x-original-method'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toUpperCase();
  return value || (req.method ?? 'GET');
}

/** `X-Auth-Request-User` / `-Email` / `-Groups`; a value outside printable ASCII is percent-encoded (a header cannot carry it). */
function identityHeaders(identity: CallerIdentity): Record<string, string> {
  return {
    'x-auth-request-user': headerValue(identity.username),
    ...(identity.email ? { 'x-auth-request-email': headerValue(identity.email) } : {}),
    // a comma inside a group name would split it: such a name is percent-encoded too
    'x-auth-request-groups': identity.groups.map((g) => (g.includes(',') ? encodeURIComponent(g) : headerValue(g))).join(','),
  };
}

function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
