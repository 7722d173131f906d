import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiRoute } from '@app/shared-types';
import type { Config } from '../config/config.js';
import type { AccessDeps } from '../routing/access.js';
import type { RouteTable } from '../routing/route-table.js';
import { sendProblem } from '../http/problem.js';
import { lenientReading } from '../routing/request-target.js';
import { authorize, type CallerIdentity } from '../routing/access.js';
import { setCookieHeader } from '../session/cookie.js';

/** What forward auth needs: the access policy and the route table (for the original URI). */
export interface ForwardAuthDeps extends AccessDeps {
  routes: Pick<RouteTable, 'resolve'>;
  config: AccessDeps['config'] & Config;
}

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
export async function handleForwardAuth(deps: ForwardAuthDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume(); // Envoy may send the original method, with a Content-Length but no body: never wait for one
  // the same guard as /api/*: a path a lenient service would read as a stricter route's is refused;
  // every URI the request reports is checked, so a client's own header cannot stand in for the proxy's
  for (const uri of originalUris(req)) {
    // the route table covers /api only: other services' paths are the ingress's to judge
    if (!underApi(uri)) continue;
    const resolved = deps.routes.resolve(uri);
    if (resolved.kind === 'bad_request') return sendProblem(res, 'bad_request', resolved.reason);
  }
  const method = originalMethod(req);
  const access = await authorize(deps, req, CHECK_ROUTE, { kind: 'unsafe-methods', method });
  // the ingress answers the browser: a cookie that named a gone session is cleared (a re-signed one waits for /api/* or /session)
  const cookie = access.cookie?.kind === 'clear' ? setCookieHeader(access.cookie) : undefined;
  if (access.kind === 'denied') return sendProblem(res, access.code, access.detail, cookie);
  res.writeHead(200, {
    'cache-control': 'no-store',
    'content-length': '0',
    ...(access.token ? { authorization: `Bearer ${access.token}` } : {}),
    ...identityHeaders(access.identity),
    ...cookie,
  });
  res.end();
}

/**
 * The original request target as the proxy reports it: `X-Forwarded-Uri` (Traefik), `X-Original-URI`
 * (nginx) and what follows `/auth/check` (Envoy's `path_prefix`), each that is present.
 */
function originalUris(req: IncomingMessage): string[] {
  const uris: string[] = [];
  for (const name of ['x-forwarded-uri', 'x-original-uri'] as const) {
    const header = req.headers[name];
    const value = Array.isArray(header) ? header[0] : header;
    if (value) uris.push(value);
  }
  const url = req.url ?? '';
  if (url.startsWith('/auth/check/')) uris.push(url.slice('/auth/check'.length));
  // an absolute-form URI (`http://host/path`) is judged by its path, like any other
  return uris.map((uri) => uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/');
}

/** True when `uri`'s path is `/api` or below it in any reading (case, encodings, `;params`, trailing dots). */
function underApi(uri: string): boolean {
  const reading = lenientReading(uri.split('?', 1)[0] ?? ''); // never throws: an undecodable escape stays as it is
  return reading === '/api' || reading.startsWith('/api/');
}

/**
 * The original request's method as far as CSRF goes. Every method the request reports counts
 * (`X-Forwarded-Method`, `X-Original-Method` and the check's own): an ingress sets one of them
 * and may pass the client's other through (ingress-nginx sets only `X-Original-Method`), so a
 * client's own `X-Forwarded-Method: GET` must not make a `POST` look safe. An unsafe one wins.
 */
function originalMethod(req: IncomingMessage): string {
  const reported = [req.headers['x-forwarded-method'], req.headers['x-original-method'], req.method]
    .flatMap((h) => (Array.isArray(h) ? h : h === undefined ? [] : [h]))
    .map((m) => m.trim().toUpperCase())
    .filter(Boolean);
  return reported.find((m) => !SAFE_METHODS.has(m)) ?? reported[0] ?? 'GET';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `X-Auth-Request-User` / `-Email` / `-Groups`, always all three (empty when unknown), so that a
 * proxy which only adds the answer's headers (Envoy's `allowed_upstream_headers`) still replaces a
 * client's forged ones. A value outside printable ASCII is percent-encoded (a header cannot carry it).
 */
function identityHeaders(identity: CallerIdentity | undefined): Record<string, string> {
  return {
    'x-auth-request-user': headerValue(identity?.username ?? ''),
    'x-auth-request-email': headerValue(identity?.email ?? ''),
    // a comma inside a group name would split it: such a name is percent-encoded too
    'x-auth-request-groups': (identity?.groups ?? []).map((g) => (g.includes(',') ? encodeURIComponent(g) : headerValue(g))).join(','),
  };
}

function headerValue(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
