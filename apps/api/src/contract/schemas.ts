import { z } from 'zod';
import {
  ERROR_CODES,
  REFRESH_ACCESS_TOKEN_ERROR,
  type ErrorCode,
  type LogoutResponse,
  type ProblemDetails,
  type AdminEndSessionsResponse,
  type SessionInfo,
  type SessionListResponse,
  type SessionResponse,
  type SessionUser,
} from '@app/shared-types';
import { logoutOptionsSchema } from '../auth/logout-request.js';
import { userSchema } from '../tokens/token-record.js';

/**
 * The zod schemas of every body the API answers: the one description the OpenAPI document is
 * generated from (`z.toJSONSchema`, see ./openapi.ts) and that the contract test validates real
 * responses against. The types in `@app/shared-types` are pinned to them at compile time (below),
 * so a handler typed with those types cannot drift from the document.
 */

/** A stable error code. */
export const errorCodeSchema = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).describe('Stable, machine-readable error code (see the contract).');

/** The signed-in user (never a token). */
export const sessionUserSchema = userSchema.describe('The signed-in user. `username` from `cognito:username`, `groups` from `cognito:groups`.');

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

/** One entry of `GET /sessions`. */
export const sessionInfoSchema = z
  .strictObject({
    id: z.string().describe('Opaque handle for `DELETE /sessions/{id}`; never the session id itself.'),
    createdAt: z.number().int().describe('Unix seconds.'),
    lastSeenAt: z.number().int().describe('Unix seconds; recorded at most once a minute, so up to a minute behind.'),
    userAgent: z.string().describe("The browser's `User-Agent` at sign-in, truncated and sanitised; empty when none was sent."),
    current: z.boolean().describe('True for the session this request was made with.'),
  })
  .describe('One session of the signed-in user.');

/** Body of `GET /sessions`. */
export const sessionListResponseSchema = z.strictObject({ sessions: z.array(sessionInfoSchema) }).describe("The signed-in user's live sessions.");

/** Optional request body of `POST /auth/logout` (validated by the logout route with this schema). */
export const logoutRequestSchema = logoutOptionsSchema.describe('`{"everywhere": true}` ends every session of the user, this one included.');

/** Body of `POST /auth/logout`. */
export const logoutResponseSchema = z
  .strictObject({ logoutUrl: z.url().describe("Where the browser goes next to end the IdP's own session.") })
  .describe('The local session is gone; the browser should navigate to `logoutUrl`.');

/** Body of `DELETE /admin/users/{sub}/sessions` (internal listener). */
export const adminEndSessionsResponseSchema = z
  .strictObject({ ended: z.number().int().min(0).describe('Sessions ended (on every instance).') })
  .describe("The user's sessions are gone: refresh tokens revoked, sockets closed with 4401.");

/** Body of `GET /healthz`. */
export const healthResponseSchema = z.strictObject({ status: z.literal('ok') }).describe('The process runs.');
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/** Body of `GET /readyz` when ready. */
export const readyResponseSchema = z
  .strictObject({ status: z.literal('ready'), redis: z.literal('ok'), idp: z.literal('ok') })
  .describe("Redis answers and the IdP's discovery document is loaded.");
export type ReadyResponse = z.infer<typeof readyResponseSchema>;

/**
 * The schemas that become `components.schemas` of the OpenAPI document, by name. Add new body
 * schemas here (e.g. the `GET /sessions` list) and reference them from ./openapi.ts.
 */
export const COMPONENT_SCHEMAS = {
  ErrorCode: errorCodeSchema,
  SessionUser: sessionUserSchema,
  SessionResponse: sessionResponseSchema,
  ProblemDetails: problemDetailsSchema,
  SessionInfo: sessionInfoSchema,
  SessionListResponse: sessionListResponseSchema,
  AdminEndSessionsResponse: adminEndSessionsResponseSchema,
  LogoutRequest: logoutRequestSchema,
  LogoutResponse: logoutResponseSchema,
  HealthResponse: healthResponseSchema,
  ReadyResponse: readyResponseSchema,
} as const;

/** Name of a component schema. */
export type ComponentName = keyof typeof COMPONENT_SCHEMAS;

// Compile-time pins: the shared types (used by the handlers and the web app) and the schemas are
// the same types. If one changes without the other, `tsc` fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Pin<T extends true> = T;
export type _SessionResponsePinned = Pin<Same<z.infer<typeof sessionResponseSchema>, SessionResponse>>;
export type _SessionUserPinned = Pin<Same<z.infer<typeof sessionUserSchema>, SessionUser>>;
export type _ProblemDetailsPinned = Pin<Same<Pick<z.infer<typeof problemDetailsSchema>, keyof ProblemDetails>, ProblemDetails>>;
export type _ProblemDetailsKeysPinned = Pin<Same<keyof typeof problemDetailsSchema.shape, keyof ProblemDetails>>;
export type _SessionListResponsePinned = Pin<Same<z.infer<typeof sessionListResponseSchema>, SessionListResponse>>;
export type _SessionInfoPinned = Pin<Same<z.infer<typeof sessionInfoSchema>, SessionInfo>>;
export type _AdminEndSessionsResponsePinned = Pin<Same<z.infer<typeof adminEndSessionsResponseSchema>, AdminEndSessionsResponse>>;
export type _LogoutResponsePinned = Pin<Same<z.infer<typeof logoutResponseSchema>, LogoutResponse>>;
