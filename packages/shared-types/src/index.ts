/**
 * The types both sides of the BFF share: what `GET /session` answers and the
 * RFC 9457 problem details every error of the API is made of.
 * @see ../../../shared/docs/contract.md
 */

/** The signed-in user as the API describes it; never carries a token. */
export interface SessionUser {
  sub: string;
  /** From `cognito:username`. */
  username?: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  /** From `cognito:groups`; empty when the user is in none. */
  groups: string[];
}

/** Set on a signed-in session whose last refresh failed for a passing reason; the session is kept. */
export const REFRESH_ACCESS_TOKEN_ERROR = 'RefreshAccessTokenError' as const;

/** Body of `GET /session`, signed in or not. */
export type SessionResponse =
  | { authenticated: false }
  | {
      authenticated: true;
      user: SessionUser;
      /** Unix seconds, computed from `expires_in`. */
      accessTokenExpiresAt: number;
      /** Unix seconds. */
      sessionExpiresAt: number;
      error?: typeof REFRESH_ACCESS_TOKEN_ERROR;
    };

/** Stable machine-readable codes of every error the API answers, with their HTTP status. */
export const ERROR_STATUS = {
  unauthenticated: 401,
  session_expired: 401,
  invalid_token: 401,
  /** The route's `maxAuthAgeSeconds` is not met: sign in again through the problem's `loginUrl`. */
  step_up_required: 401,
  csrf_header_missing: 403,
  forbidden: 403,
  invalid_callback: 400,
  bad_request: 400,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  payload_too_large: 413,
  rate_limited: 429,
  idp_unavailable: 503,
  session_store_unavailable: 503,
  /** `/readyz` of an instance that received SIGTERM and is draining. */
  shutting_down: 503,
  upstream_unavailable: 502,
  upstream_timeout: 504,
  client_token_rejected: 502,
  internal_error: 500,
} as const;

/** One of the API's stable error codes. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** All error codes, for validation and exhaustive handling. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/**
 * An `application/problem+json` body.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  /** Echo of the request id, when the API assigned one. */
  requestId?: string;
  /** `step_up_required`: where to send the browser to sign in again (`/auth/login?prompt=login&max_age=…&returnTo=…`). */
  loginUrl?: string;
}

/** Media type of every error body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Header a cookie-authenticated browser call must carry (`X-CSRF: 1`). */
export const CSRF_HEADER = 'x-csrf';

/** Body of `POST /auth/logout`. */
export interface LogoutResponse {
  /** Where the browser goes next to end the IdP's own session. */
  logoutUrl: string;
}

/** Optional body of `POST /auth/logout` (JSON, at most 1 kB). */
export interface LogoutRequest {
  /** End every session of the signed-in user (each refresh token revoked), not only this one. */
  everywhere?: boolean;
}

/** One session of the signed-in user, as `GET /sessions` lists it. */
export interface SessionInfo {
  /** Opaque handle for `DELETE /sessions/:id`; never the session id itself. */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds; recorded at most once a minute, so up to a minute behind. */
  lastSeenAt: number;
  /** The browser's `User-Agent` at sign-in, truncated and sanitised; `""` when none was sent. */
  userAgent: string;
  /** True for the session this request was made with. */
  current: boolean;
}

/** Body of `GET /sessions`: the signed-in user's live sessions, oldest first. */
export interface SessionListResponse {
  sessions: SessionInfo[];
}

/** Body of `DELETE /admin/users/{sub}/sessions` (internal listener): how many sessions ended. */
export interface AdminEndSessionsResponse {
  ended: number;
}

/** Values of `authError` on `/?authError=` after a failed sign-in. */
export type AuthErrorCode =
  | 'access_denied'
  | 'invalid_callback'
  | 'idp_unavailable'
  | 'session_store_unavailable'
  | 'login_failed';

export {
  apiRouteSchema,
  MAX_ROUTE_TIMEOUT_MS,
  parseRouteTable,
  ROUTE_TOKEN_KINDS,
  type ApiRoute,
  type ApiRouteInput,
  type ParsedApiRoute,
  type RouteTableProblem,
  type RouteTableResult,
  type RouteTokenKind,
} from './route-table.js';

/**
 * The first path segment of every route the API answers. The web app's dev and preview servers
 * proxy exactly these to the API (apps/web/vite.config.ts) and serve everything else themselves;
 * apps/web/test/dev-server-proxy.test.ts fails when a path of docs/openapi.json is not covered.
 * A prefix matches itself and anything below it (`/sessions`, `/sessions/x`), not a look-alike
 * (`/sessionsx`).
 */
export const API_ROUTE_PREFIXES = ['/auth', '/session', '/sessions', '/api', '/healthz', '/readyz', '/metrics', '/openapi.json'] as const;
