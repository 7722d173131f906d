/**
 * The zod schemas of the HTTP contract's bodies, one per shape: the API answers with them, the
 * OpenAPI document is generated from them (apps/api/src/endpoints/openapi.ts), and the clients parse with
 * them (@app/bff-client, @app/react). Types are inferred from them, never written beside them.
 * @see ../../../shared/docs/contract.md
 */
import { z } from 'zod';

/** Set on a signed-in session whose last refresh failed for a passing reason; the session is kept. */
export const REFRESH_ACCESS_TOKEN_ERROR = 'RefreshAccessTokenError' as const;

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

/** A stable error code. */
export const errorCodeSchema = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).describe('Stable, machine-readable error code (see the contract).');

/** The signed-in user (never a token). */
export const sessionUserSchema = z
  .object({
    sub: z.string(),
    username: z.string().optional(),
    email: z.string().optional(),
    emailVerified: z.boolean().optional(),
    name: z.string().optional(),
    groups: z.array(z.string()),
  })
  .describe('The signed-in user. `username` from `cognito:username`, `groups` from `cognito:groups`.');

/** The signed-in user as the API describes it; never carries a token. */
export type SessionUser = z.infer<typeof sessionUserSchema>;

/** Body of `GET /session`. Strict: a token (or anything else) slipping into it fails validation. */
export const sessionResponseSchema = z
  .discriminatedUnion('authenticated', [
    z.strictObject({ authenticated: z.literal(false) }),
    z.strictObject({
      authenticated: z.literal(true),
      user: sessionUserSchema,
      accessTokenExpiresAt: z.number().int().describe('Unix seconds, computed from `expires_in`.'),
      sessionExpiresAt: z.number().int().describe('Unix seconds.'),
      error: z
        .literal(REFRESH_ACCESS_TOKEN_ERROR)
        .optional()
        .describe('The last refresh failed for a passing reason (IdP unreachable); the session is kept.'),
    }),
  ])
  .describe('Who is signed in. No token of any kind appears in it.');

/** Body of `GET /session`, signed in or not. */
export type SessionResponse = z.infer<typeof sessionResponseSchema>;

/** An RFC 9457 problem body; extension members are allowed, as the RFC says. @see https://www.rfc-editor.org/rfc/rfc9457 */
export const problemDetailsSchema = z
  .looseObject({
    type: z.url().describe('URI identifying the problem type.'),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    code: errorCodeSchema,
    requestId: z.string().optional().describe('Echo of the request id (`X-Request-Id`).'),
    loginUrl: z.string().optional().describe('`step_up_required` only: where to send the browser to sign in again (`/auth/login?prompt=login&max_age=…&returnTo=…`).'),
  })
  .describe('Every error of the API, as `application/problem+json`.');

/**
 * An `application/problem+json` body (the members of the contract; other extension members are
 * kept by the schema, untyped).
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
export type ProblemDetails = Pick<z.infer<typeof problemDetailsSchema>, 'type' | 'title' | 'status' | 'detail' | 'code' | 'requestId' | 'loginUrl'>;

/** One session of the signed-in user, as `GET /sessions` lists it. */
export const sessionInfoSchema = z
  .strictObject({
    id: z.string().describe('Opaque handle for `DELETE /sessions/{id}`; never the session id itself.'),
    createdAt: z.number().int().describe('Unix seconds.'),
    lastSeenAt: z.number().int().describe('Unix seconds; recorded at most once a minute, so up to a minute behind.'),
    userAgent: z.string().describe("The browser's `User-Agent` at sign-in, truncated and sanitised; empty when none was sent."),
    current: z.boolean().describe('True for the session this request was made with.'),
  })
  .describe('One session of the signed-in user.');

/** One session of the signed-in user. */
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** Body of `GET /sessions`. */
export const sessionListResponseSchema = z.strictObject({ sessions: z.array(sessionInfoSchema) }).describe("The signed-in user's live sessions.");

/** Body of `GET /sessions`: the signed-in user's live sessions, oldest first. */
export type SessionListResponse = z.infer<typeof sessionListResponseSchema>;

/** Body of `POST /auth/logout`. */
export const logoutResponseSchema = z
  .strictObject({ logoutUrl: z.url().describe("Where the browser goes next to end the IdP's own session.") })
  .describe('The local session is gone; the browser should navigate to `logoutUrl`.');

/** Body of `POST /auth/logout`. */
export type LogoutResponse = z.infer<typeof logoutResponseSchema>;

/** Body of `DELETE /admin/users/{sub}/sessions` (internal listener). */
export const adminEndSessionsResponseSchema = z
  .strictObject({ ended: z.number().int().min(0).describe('Sessions ended (on every instance).') })
  .describe("The user's sessions are gone: refresh tokens revoked, sockets closed with 4401.");

/** Body of `DELETE /admin/users/{sub}/sessions`: how many sessions ended. */
export type AdminEndSessionsResponse = z.infer<typeof adminEndSessionsResponseSchema>;

/** Optional body of `POST /auth/logout` (JSON, at most 1 kB); the logout route validates it with this schema. */
export const logoutRequestSchema = z
  .object({ everywhere: z.boolean().optional() })
  .describe('`{"everywhere": true}` ends every session of the user, this one included.');

/** Optional body of `POST /auth/logout`: `everywhere` ends every session of the signed-in user (each refresh token revoked), not only this one. */
export type LogoutRequest = z.infer<typeof logoutRequestSchema>;

/** Name of the query parameter the BFF sets on `/` after a failed sign-in (`/?authError=<code>`). */
export const AUTH_ERROR_PARAM = 'authError';

/** Values of `authError` on `/?authError=` after a failed sign-in (`GET /auth/login`, `GET /auth/callback`). */
export const authErrorCodeSchema = z.enum(['access_denied', 'invalid_callback', 'idp_unavailable', 'session_store_unavailable', 'login_failed']);

/** Why a sign-in failed, as `/?authError=` says it. */
export type AuthErrorCode = z.infer<typeof authErrorCodeSchema>;

/**
 * Query parameters of `/auth/login` that are passed on to the authorization request (contract,
 * "Sign-in parameters"), and no others.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export const SIGN_IN_PARAMETERS = ['identity_provider', 'idp_identifier', 'login_hint', 'prompt', 'lang', 'acr_values', 'max_age'] as const;

/** One of {@link SIGN_IN_PARAMETERS}. */
export type SignInParameter = (typeof SIGN_IN_PARAMETERS)[number];

/** Longest sign-in parameter value the BFF passes on; a longer one is dropped, never truncated. */
export const SIGN_IN_PARAMETER_MAX_LENGTH = 1024;

/** Close codes the BFF sends on a proxied WebSocket of its own accord. @see https://www.rfc-editor.org/rfc/rfc6455#section-7.4 */
export const LIVE_CLOSE_CODES = {
  /** The instance is shutting down: reconnect (elsewhere). */
  goingAway: 1001,
  /** The session (or the bearer token) behind the socket ended: sign in again, do not just reconnect. */
  sessionEnded: 4401,
  /** The session no longer meets the route's `groups` or `scopes` (removed from a group): do not reconnect. */
  forbidden: 4403,
} as const;
