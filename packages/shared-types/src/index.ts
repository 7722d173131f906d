/**
 * The types and schemas both sides of the BFF share: what `GET /session` answers, the
 * RFC 9457 problem details every error of the API is made of, and the route table.
 * @see ../../../shared/docs/contract.md
 */

export {
  adminEndSessionsResponseSchema,
  AUTH_ERROR_PARAM,
  authErrorCodeSchema,
  ERROR_CODES,
  ERROR_STATUS,
  errorCodeSchema,
  LIVE_CLOSE_CODES,
  logoutRequestSchema,
  logoutResponseSchema,
  problemDetailsSchema,
  REFRESH_ACCESS_TOKEN_ERROR,
  sessionInfoSchema,
  sessionListResponseSchema,
  sessionResponseSchema,
  sessionUserSchema,
  SIGN_IN_PARAMETER_MAX_LENGTH,
  SIGN_IN_PARAMETERS,
  type AdminEndSessionsResponse,
  type AuthErrorCode,
  type ErrorCode,
  type LogoutRequest,
  type LogoutResponse,
  type ProblemDetails,
  type SessionInfo,
  type SessionListResponse,
  type SessionResponse,
  type SessionUser,
  type SignInParameter,
} from './contract.js';

/** Media type of every error body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Header a cookie-authenticated browser call must carry (`X-CSRF: 1`). */
export const CSRF_HEADER = 'x-csrf';


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

/**
 * One anchored pattern (regular-expression source) per {@link API_ROUTE_PREFIXES} entry, matching
 * a request target (path and query) under it: the dev server's proxy keys, and the paths the API
 * never answers with the web app.
 */
// pure: a bundle that does not use it (the web app) drops it
export const API_ROUTE_PATTERNS: readonly string[] = /* @__PURE__ */ API_ROUTE_PREFIXES.map((prefix) => `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[/?])`);
