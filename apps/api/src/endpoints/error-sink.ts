import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { authErrorCodeSchema } from '@app/shared-types';
import { IdpError } from '../idp/oidc-client.js';
import { isRedisUnavailable } from '../redis/client.js';
import { AppError } from '../http/errors.js';
import { sendProblem } from '../http/problem.js';
import { redirectToAuthError } from './auth-error-redirect.js';

/** Maps any thrown error to the one {@link AppError} shape (unknown errors become `internal_error`). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (isRedisUnavailable(err)) return new AppError('session_store_unavailable', 'The session store is not reachable; try again shortly.', { cause: err });
  if (err instanceof IdpError) {
    return err.kind === 'unavailable'
      ? new AppError('idp_unavailable', 'The identity provider is not reachable; try again shortly.', { cause: err })
      : new AppError('bad_request', err.message, { cause: err });
  }
  const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
  if (status === 413) return new AppError('payload_too_large', undefined, { cause: err });
  if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('bad_request', undefined, { cause: err });
  return new AppError('internal_error', undefined, { cause: err });
}

/** Answers an error on a raw response; logs unexpected ones (never with request headers). */
export function answerError(res: ServerResponse, err: unknown, logger: Logger): void {
  const appError = toAppError(err);
  if (appError.code === 'internal_error') logger.error({ err }, 'unhandled error');
  else if (appError.status >= 500) logger.warn({ code: appError.code, cause: String(appError.cause ?? '') }, appError.title);
  sendProblem(res, appError.code, appError.detail);
}

const BROWSER_NAVIGATIONS = new Set(['/auth/login', '/auth/callback']);
// the failures of a sign-in step that are worth a retry, and are codes of `authError` too
const REDIRECTED = authErrorCodeSchema.extract(['idp_unavailable', 'session_store_unavailable']);

/** The Express error sink: problem+json, except that a browser navigation to sign-in lands back in the app with `authError`. */
export function errorSink(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const appError = toAppError(err);
    const redirected = req.method === 'GET' && BROWSER_NAVIGATIONS.has(req.path) && !res.headersSent ? REDIRECTED.safeParse(appError.code) : undefined;
    if (redirected?.success) {
      logger.warn({ code: appError.code, path: req.path }, 'sign-in step failed');
      redirectToAuthError(res, redirected.data);
      return;
    }
    answerError(res, appError, logger);
  };
}
