import express from 'express';
import { z } from 'zod';
import { AppError } from '../http/errors.js';

/** Body parser of `POST /auth/logout`: JSON only, small; invalid JSON answers `400 bad_request`. */
export const logoutBodyParser = express.json({ limit: '1kb' });

export const logoutOptionsSchema = z.object({ everywhere: z.boolean().optional() });

/** What the (optional) logout body asks for: `{"everywhere": true}` ends every session of the user. */
export type LogoutOptions = z.infer<typeof logoutOptionsSchema>;

/** Validates the parsed logout body; no body means `{}`. */
export function parseLogoutOptions(body: unknown): LogoutOptions {
  if (body === undefined) return {};
  const parsed = logoutOptionsSchema.safeParse(body);
  if (!parsed.success) throw new AppError('bad_request', 'The logout body must be a JSON object like {"everywhere": true}.');
  return parsed.data;
}
