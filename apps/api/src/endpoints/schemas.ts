import { z } from 'zod';
import {
  adminEndSessionsResponseSchema,
  errorCodeSchema,
  logoutRequestSchema,
  logoutResponseSchema,
  problemDetailsSchema,
  sessionInfoSchema,
  sessionListResponseSchema,
  sessionResponseSchema,
  sessionUserSchema,
} from '@app/shared-types';

/**
 * The zod schemas of every body the API answers: the one description the OpenAPI document is
 * generated from (`z.toJSONSchema`, see ./openapi.ts) and that the contract test validates real
 * responses against. The shapes of the contract live in `@app/shared-types` (the clients parse
 * with the same schemas); this module adds the API's own (health) and names them for OpenAPI.
 */
export { adminEndSessionsResponseSchema, errorCodeSchema, logoutRequestSchema, logoutResponseSchema, problemDetailsSchema, sessionInfoSchema, sessionListResponseSchema, sessionResponseSchema, sessionUserSchema };

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
