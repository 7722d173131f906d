import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import type { Tracing } from '../telemetry/request-span.js';
import type { AccessDeps } from '../routing/access.js';
import type { RouteTable } from '../routing/route-table.js';
import type { InFlightLimiter } from '../proxy/in-flight.js';
import type { UpstreamProxy } from '../proxy/upstream-proxy.js';
import { sendProblem } from '../http/problem.js';
import { whenClosed } from '../http/request-log.js';
import { authorize } from '../routing/access.js';
import { setCookieHeader } from '../session/cookie.js';
import { REFUSED_METHODS } from '../routing/request-target.js';

/** What `/api/*` needs: the access policy, the route table, the in-flight limit, the upstream proxy. */
export interface ApiHandlerDeps extends AccessDeps {
  routes: Pick<RouteTable, 'resolve'>;
  inFlight: Pick<InFlightLimiter, 'acquire' | 'max'>;
  upstream: Pick<UpstreamProxy, 'forward'>;
  tracing: AccessDeps['tracing'] & Pick<Tracing, 'upstreamCall'>;
  config: AccessDeps['config'] & Config;
}

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/**
 * `ANY /api/*`: match the (normalised) request target to its route, ask the access policy who is
 * calling and with which token, take an in-flight slot for the caller, then stream to the route's
 * upstream with the route's timeout.
 */
export async function handleApi(deps: ApiHandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (REFUSED_METHODS.has(req.method ?? '')) {
    return sendProblem(res, 'method_not_allowed', `${req.method} is never forwarded.`, { allow: ALLOWED_METHODS });
  }
  const resolved = deps.routes.resolve(req.url ?? '/api');
  if (resolved.kind === 'bad_request') return sendProblem(res, 'bad_request', resolved.reason);
  if (resolved.kind === 'not_found') return sendProblem(res, 'not_found', 'No API route matches this path.');
  res.route = resolved.route.prefix;

  const access = await authorize(deps, req, resolved.route, { kind: 'header' });
  const cookie = setCookieHeader(access.cookie); // cleared, or re-signed after a secret rotation
  if (access.kind === 'denied') return sendProblem(res, access.code, access.detail, cookie, access.members);
  // the caller left while the call was decided: its 'close' has fired already, so a slot taken now would never come back
  if (res.closed) return;
  const release = deps.inFlight.acquire(access.caller);
  if (!release) {
    return sendProblem(res, 'rate_limited', `At most ${deps.inFlight.max} calls of one caller may be in flight at once.`, { 'retry-after': '1', ...cookie });
  }
  whenClosed(res, release);
  if (cookie) res.setHeader('set-cookie', cookie['set-cookie']);
  const target = { origin: resolved.origin, path: resolved.upstreamPath, timeoutMs: resolved.route.timeoutMs };
  if (!deps.tracing.enabled) return deps.upstream.forward(req, res, target, access.token); // no promise: nobody waits for the end
  await deps.tracing.upstreamCall(req, res, target.origin, () => new Promise<void>((done) => deps.upstream.forward(req, res, target, access.token, done)));
}

declare module 'node:http' {
  interface ServerResponse {
    /** Prefix of the route an `/api/*` call matched: the metrics label (never the raw path). */
    route?: string;
  }
}
