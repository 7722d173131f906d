import type { IncomingMessage } from 'node:http';
import type { ApiRoute, ErrorCode } from '@app/shared-types';
import { clientBucket } from '../http/client-bucket.js';
import type { BearerVerifier } from '../idp/bearer-verifier.js';
import type { Config } from '../config/config.js';
import type { Tracing } from '../telemetry/request-span.js';
import type { SessionLookupDeps } from '../session/session-lookup.js';
import type { ClientTokenProvider } from '../tokens/client-token-provider.js';
import type { RefreshCoordinator } from '../tokens/refresh-coordinator.js';
import { hasCsrfHeader } from '../http/csrf.js';
import { traceOf } from '../telemetry/request-trace.js';
import { SESSION_READ_ATTRIBUTES, SESSION_READ_SPAN } from '../telemetry/spans.js';
import { lookupSession } from '../session/session-lookup.js';
import { cookieCleared, type CookieUpdate } from '../session/cookie.js';
import { nowSeconds, type TokenRecord } from '../tokens/token-record.js';
import { safeReturnTo } from '../http/return-to.js';
import type { ProblemMembers } from '../http/problem.js';
import { bearerClaims, sessionClaims, type CallerClaims } from './claims.js';
import { policyRefusal } from './policy.js';

/**
 * What the access policy needs, and nothing more: the bearer verifier, the session lookup, the
 * refresher, the BFF's own client tokens, tracing, the client's address and the public origin.
 */
export interface AccessDeps extends SessionLookupDeps {
  bearer: Pick<BearerVerifier, 'verify'>;
  refresher: Pick<RefreshCoordinator, 'usableNow' | 'ensureFresh'>;
  clientTokens: Pick<ClientTokenProvider, 'get'>;
  tracing: Pick<Tracing, 'enabled' | 'child'>;
  clientIp: (req: IncomingMessage) => string;
  config: SessionLookupDeps['config'] & Pick<Config, 'publicUrl'>;
}

/** Who a granted call is made for: what the forward-auth headers and the logs may say of them. */
export interface CallerIdentity {
  sub: string;
  /** `cognito:username` (sessions) or `username` (Cognito access tokens), else the subject. */
  username: string;
  /** Only an address the IdP verified (`email_verified: true`). */
  email?: string;
  groups: readonly string[];
}

/**
 * The one answer every entry point gets (HTTP proxy, WebSocket upgrade, forward auth): the token
 * to attach (none for `none` routes and anonymous callers) and the caller's key for the in-flight
 * limit, or the error to answer instead. `cookie`: what the response does with the session cookie
 * (clear one that named a session that is gone, re-sign one made under a previous secret); the
 * entry point writes it, nothing here touches a response.
 */
export type Access =
  | { kind: 'granted'; token: string | undefined; caller: string; identity?: CallerIdentity; credential?: Credential; cookie?: CookieUpdate }
  | { kind: 'denied'; code: ErrorCode; detail?: string; cookie?: CookieUpdate; members?: ProblemMembers };

/**
 * What a granted caller's right rests on, for connections that outlive the call (WebSockets):
 * the session (it ends, or expires at `expiresAt`) or a bearer token (valid until its `exp`).
 * Unix seconds.
 */
export type Credential = { kind: 'session'; sid: string; expiresAt: number } | { kind: 'bearer'; expiresAt: number };

/**
 * How a cookie call proves it is not cross-site: `header` needs `X-CSRF: 1` on every call (`/api/*`);
 * `unsafe-methods` only on methods other than GET, HEAD and OPTIONS (forward auth, where the
 * original method is what counts); `origin`: the `Origin` header must be exactly this origin,
 * and a missing one fails (WebSocket handshakes, which cannot carry custom headers; this is the
 * defence against cross-site WebSocket hijacking).
 * @see https://www.rfc-editor.org/rfc/rfc6455#section-10.2
 */
export type CsrfRule = { kind: 'header' } | { kind: 'unsafe-methods'; method: string } | { kind: 'origin'; origin: string };

/** Who is calling, as far as credentials go, before any route policy applies; `cookie` goes on whatever is answered. */
type Caller =
  | { kind: 'bearer'; token: string; claims: CallerClaims; identity: CallerIdentity; expiresAt: number; authTime?: number; cookie?: undefined }
  | { kind: 'session'; sid: string; record: TokenRecord; cookie?: CookieUpdate }
  | { kind: 'anonymous'; cookie?: CookieUpdate };

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Decides one call on one route: who is calling (a verified bearer token, the cookie session's
 * access token refreshed first when needed, or nobody), whether the route's policy lets them
 * (`groups`, `scopes`, signed-in or not), and which token goes upstream (`token`). Routes only
 * parse and respond; every piece of policy lives here.
 * @see ../../../../shared/docs/contract.md ("Several upstream APIs: the route table")
 */
export async function authorize(
  deps: AccessDeps,
  req: IncomingMessage,
  route: ApiRoute,
  csrf: CsrfRule = { kind: 'header' },
): Promise<Access> {
  if (route.token === 'none' || (route.token === 'client' && route.anonymous)) {
    // no user is checked, so no credential is looked at; the cookie still needs its CSRF proof
    if (hasSessionCookie(deps, req) && !csrfPassed(req, csrf)) return csrfDenied(csrf);
    return route.token === 'none' ? { kind: 'granted', token: undefined, caller: anonymousCaller(deps, req) } : clientToken(deps, req, route, anonymousCaller(deps, req));
  }

  const caller = await identify(deps, req, route, csrf);
  if (caller.kind === 'denied') return caller;
  const access = await decide(deps, req, route, caller);
  return caller.cookie ? { ...access, cookie: caller.cookie } : access;
}

/** The route policy's answer for a known caller, and the token that goes upstream. */
async function decide(deps: AccessDeps, req: IncomingMessage, route: ApiRoute, caller: Caller): Promise<Access> {
  if (caller.kind === 'anonymous') {
    if (route.token === 'user-or-anonymous') return { kind: 'granted', token: undefined, caller: anonymousCaller(deps, req) };
    return { kind: 'denied', code: 'unauthenticated' };
  }

  const claims = caller.kind === 'bearer' ? caller.claims : sessionClaims(caller.record);
  const refused = policyRefusal(route, claims);
  if (refused) return { kind: 'denied', code: 'forbidden', detail: refused };
  if (route.maxAuthAgeSeconds !== undefined) {
    const stale = stepUpRefusal(route.maxAuthAgeSeconds, caller.kind === 'bearer' ? caller.authTime : caller.record.authTime);
    if (stale) return { kind: 'denied', code: 'step_up_required', detail: stale, members: { loginUrl: stepUpLoginUrl(deps, req, route.maxAuthAgeSeconds) } };
  }
  const key = caller.kind === 'bearer' ? `bearer:${caller.identity.sub}` : `session:${caller.sid}`;
  const identity = caller.kind === 'bearer' ? caller.identity : sessionIdentity(caller.record);
  const credential: Credential =
    caller.kind === 'bearer' ? { kind: 'bearer', expiresAt: caller.expiresAt } : { kind: 'session', sid: caller.sid, expiresAt: caller.record.sessionExpiresAt };
  if (route.token === 'client') return withCredential(await clientToken(deps, req, route, key, identity), credential);
  return { kind: 'granted', token: caller.kind === 'bearer' ? caller.token : caller.record.accessToken, caller: key, identity, credential };
}

/** The caller behind the request's credentials, or why it cannot be known (a denial to answer). */
async function identify(deps: AccessDeps, req: IncomingMessage, route: ApiRoute, csrf: CsrfRule): Promise<Caller | Extract<Access, { kind: 'denied' }>> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return { kind: 'denied', code: 'invalid_token', detail: 'Authorization must be "Bearer <access token>".' };
    const verdict = await deps.bearer.verify(token);
    if (verdict.kind === 'unavailable') return { kind: 'denied', code: 'idp_unavailable' };
    if (verdict.kind === 'invalid') return { kind: 'denied', code: 'invalid_token', detail: verdict.reason };
    const claims = bearerClaims(verdict.claims);
    const sub = String(verdict.claims.sub ?? verdict.claims.client_id);
    const username = typeof verdict.claims.username === 'string' ? verdict.claims.username : sub;
    const expiresAt = typeof verdict.claims.exp === 'number' ? verdict.claims.exp : 0; // the verifier refuses tokens without exp
    const authTime = typeof verdict.claims.auth_time === 'number' ? verdict.claims.auth_time : undefined;
    return { kind: 'bearer', token, claims, identity: { sub, username, groups: claims.groups }, expiresAt, ...(authTime !== undefined ? { authTime } : {}) };
  }
  if (!hasSessionCookie(deps, req)) return { kind: 'anonymous' };
  if (!csrfPassed(req, csrf)) return csrfDenied(csrf);
  const found = await (deps.tracing.enabled ? deps.tracing.child(req, SESSION_READ_SPAN, SESSION_READ_ATTRIBUTES, () => lookupSession(deps, req)) : lookupSession(deps, req));
  if (found.kind === 'anonymous') return found;
  // a cookie re-signed after a secret rotation goes on every answer, unless the session turns out to be gone
  const reissue = found.cookie ? { cookie: found.cookie } : {};
  const usable = deps.refresher.usableNow(found.sid, found.current, traceOf(req));
  if (usable) return { kind: 'session', sid: found.sid, record: usable.record, ...reissue };
  const result = await deps.refresher.ensureFresh(found.sid, found.current, traceOf(req));
  if (result.kind === 'fresh') return { kind: 'session', sid: found.sid, record: result.current.record, ...reissue };
  // an ended session is nobody: anonymous where the route allows it, 401 elsewhere
  if (result.kind === 'none') return { kind: 'anonymous', cookie: cookieCleared(deps.config) };
  if (result.code === 'session_expired') {
    return route.token === 'user-or-anonymous' ? { kind: 'anonymous', cookie: cookieCleared(deps.config) } : { kind: 'denied', code: 'session_expired', cookie: cookieCleared(deps.config) };
  }
  return { kind: 'denied', code: result.code, ...reissue };
}

/**
 * Why a sign-in at `authTime` (unix seconds, the ID token's or access token's `auth_time`) is too
 * old for a route that needs one within `maxAgeSeconds`; `undefined` when it is recent enough. A
 * session without an `auth_time` (signed in before the BFF recorded it, or an IdP that sends none)
 * counts as too old: step-up never passes on a guess.
 */
function stepUpRefusal(maxAgeSeconds: number, authTime: number | undefined): string | undefined {
  if (authTime !== undefined && nowSeconds() - authTime <= maxAgeSeconds) return undefined;
  return `This route needs a sign-in within the last ${maxAgeSeconds} seconds: sign in again through loginUrl.`;
}

/**
 * Where the browser signs in again for step-up: the IdP is asked to authenticate anew
 * (`prompt=login`) and to vouch for it (`max_age`, checked again at the callback), and the user
 * comes back to the page that made the call (its same-origin `Referer`, else `/`).
 */
function stepUpLoginUrl(deps: AccessDeps, req: IncomingMessage, maxAgeSeconds: number): string {
  const referer = req.headers.referer;
  let back = '/';
  if (referer && URL.canParse(referer)) {
    const url = new URL(referer);
    if (url.origin === deps.config.publicUrl) back = safeReturnTo(`${url.pathname}${url.search}`, deps.config.publicUrl);
  }
  const query = new URLSearchParams({ prompt: 'login', max_age: String(maxAgeSeconds), returnTo: back });
  return `/auth/login?${query.toString()}`;
}

async function clientToken(deps: AccessDeps, req: IncomingMessage, route: ApiRoute, caller: string, identity?: CallerIdentity): Promise<Access> {
  const result = await deps.clientTokens.get(route.scopes ?? [], traceOf(req));
  if (result.kind === 'token') return { kind: 'granted', token: result.token, caller, ...(identity ? { identity } : {}) };
  if (result.code === 'client_grant_rejected') {
    return { kind: 'denied', code: 'client_token_rejected', detail: `The identity provider refused the BFF's client_credentials grant${result.oauthError ? ` (${result.oauthError})` : ''}: check the M2M app client and the route's scopes.` };
  }
  return { kind: 'denied', code: result.code };
}

function withCredential(access: Access, credential: Credential): Access {
  return access.kind === 'granted' ? { ...access, credential } : access;
}

const identityByRecord = new WeakMap<TokenRecord, CallerIdentity>();

/** Who a session's caller is; once per record version (records are cached objects, see token-store.ts). */
function sessionIdentity(record: TokenRecord): CallerIdentity {
  let identity = identityByRecord.get(record);
  if (!identity) {
    const { user } = record;
    // an address the IdP has not verified is anyone's claim: never handed on as the user's email
    const email = user.email && user.emailVerified === true ? { email: user.email } : {};
    identity = { sub: user.sub, username: user.username ?? user.sub, ...email, groups: sessionClaims(record).groups };
    identityByRecord.set(record, identity);
  }
  return identity;
}

/** The in-flight key of a caller nobody signed in: its address, as far as `TRUST_PROXY` believes it (only computed when needed: it walks the forwarding chain). */
function anonymousCaller(deps: AccessDeps, req: IncomingMessage): string {
  // by the rate limiter's bucket: an IPv6 client holds a whole /64, so single addresses would be no limit
  return `anonymous:${clientBucket(deps.clientIp(req))}`;
}

function hasSessionCookie(deps: AccessDeps, req: IncomingMessage): boolean {
  return req.headers.cookie?.includes(deps.cookieName) ?? false;
}

function csrfPassed(req: IncomingMessage, rule: CsrfRule): boolean {
  if (rule.kind === 'origin') return req.headers.origin === rule.origin;
  if (rule.kind === 'unsafe-methods' && SAFE_METHODS.has(rule.method)) return true;
  return hasCsrfHeader(req);
}

function csrfDenied(rule: CsrfRule): Extract<Access, { kind: 'denied' }> {
  if (rule.kind === 'origin') {
    return { kind: 'denied', code: 'forbidden', detail: `A WebSocket handshake with the session cookie must carry Origin: ${rule.origin}.` };
  }
  return { kind: 'denied', code: 'csrf_header_missing', detail: 'Send the header X-CSRF: 1 with calls that carry the session cookie.' };
}
