import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { authErrorCodeSchema } from '@app/shared-types';
import { IdpError } from '../idp/oidc-client.js';
import { isRedisUnavailable } from '../redis/client.js';
import { AppError, logError } from '../http/errors.js';
import { answerProblem } from '../http/problem.js';
import { redirectToAuthError } from './auth-error-redirect.js';

/**
 * The one function that turns a thrown error into an {@link ErrorCode}: what the layers below
 * throw without naming a code (Redis unavailability, an {@link IdpError}, a body parser's
 * `status`); an {@link AppError} (a coded error: csrf, body limit, the proxy, the routes) passes
 * as it is, and anything else is a bug, `internal_error`. Status, title and body of each code are
 * http/problem.ts's, whichever response or socket carries it. docs/adr/0008-layers.md ("Errors").
 */
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

/** Answers any thrown error on a raw (or Express) response, logged the one way ({@link logError}). */
export function answerError(res: ServerResponse, err: unknown, logger: Logger): void {
  answerProblem(res, toAppError(err), logger);
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
      logError(logger, appError, { reqId: req.id, path: req.path }, 'sign-in step failed');
      redirectToAuthError(res, redirected.data);
      return;
    }
    answerError(res, appError, logger);
  };
}
