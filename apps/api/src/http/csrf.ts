import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { CSRF_HEADER } from '@app/shared-types';
import { AppError } from './errors.js';

/** True when the request carries `X-CSRF: 1`, which a cross-site form or image cannot set. */
export function hasCsrfHeader(req: IncomingMessage): boolean {
  return req.headers[CSRF_HEADER] === '1';
}

/** Express guard for cookie-authenticated state-changing routes. */
export function requireCsrfHeader(req: Request, _res: Response, next: NextFunction): void {
  next(hasCsrfHeader(req) ? undefined : new AppError('csrf_header_missing', 'Send the header X-CSRF: 1 with this request.'));
}
