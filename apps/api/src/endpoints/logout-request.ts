import express from 'express';
import { logoutRequestSchema, type LogoutRequest } from '@app/shared-types';
import { AppError } from '../http/errors.js';

/** Body parser of `POST /auth/logout`: JSON only, small; invalid JSON answers `400 bad_request`. */
export const logoutBodyParser = express.json({ limit: '1kb' });

/** Validates the parsed logout body with the contract's schema; no body means `{}`. */
export function parseLogoutOptions(body: unknown): LogoutRequest {
  if (body === undefined) return {};
  const parsed = logoutRequestSchema.safeParse(body);
  if (!parsed.success) throw new AppError('bad_request', 'The logout body must be a JSON object like {"everywhere": true}.');
  return parsed.data;
}
