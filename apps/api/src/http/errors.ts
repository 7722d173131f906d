import type { Logger } from 'pino';
import { ERROR_STATUS, type ErrorCode } from '@app/shared-types';
import { errorSummary, errorWithStack } from '../kernel/logger.js';

const TITLES: Record<ErrorCode, string> = {
  unauthenticated: 'Sign-in required',
  session_expired: 'Session expired',
  invalid_token: 'Invalid bearer token',
  step_up_required: 'A recent sign-in is required',
  csrf_header_missing: 'CSRF header missing',
  forbidden: 'Forbidden',
  invalid_callback: 'Invalid sign-in callback',
  bad_request: 'Bad request',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  request_timeout: 'Request body timeout',
  payload_too_large: 'Payload too large',
  rate_limited: 'Too many requests',
  idp_unavailable: 'Identity provider unavailable',
  session_store_unavailable: 'Session store unavailable',
  shutting_down: 'Shutting down',
  upstream_unavailable: 'Upstream unavailable',
  upstream_timeout: 'Upstream timeout',
  client_token_rejected: 'Client token refused by the identity provider',
  internal_error: 'Internal error',
};

/** The one error type of the API: a stable {@link ErrorCode}, its HTTP status, and the lower error as `cause`. */
export class AppError extends Error {
  readonly status: number;
  readonly title: string;

  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    options?: { cause?: unknown },
  ) {
    super(detail ?? TITLES[code], options);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
    this.title = TITLES[code];
  }
}

/** Title of an error code, for places that answer without throwing. */
export function titleOf(code: ErrorCode): string {
  return TITLES[code];
}

/**
 * The one way an error is logged, whatever answers it (the Express sink, the fast path, the proxy,
 * a refused WebSocket upgrade): a bug (`internal_error`) at `error` with its name, message and
 * stack; any other 5xx at `warn` with its code and a summary of its cause; a 4xx not at all (the
 * request line says the status, and a flood of refusals must not double the log). Never the error
 * object itself, whose properties may hold request headers, tokens or cookies.
 */
export function logError(logger: Logger, error: AppError, fields: Record<string, unknown> = {}, msg?: string): void {
  if (error.code === 'internal_error') {
    logger.error({ ...fields, err: errorWithStack(error.cause ?? error) }, msg ?? 'unhandled error');
  } else if (error.status >= 500) {
    logger.warn({ ...fields, code: error.code, ...(error.cause === undefined ? {} : { cause: errorSummary(error.cause) }) }, msg ?? error.title);
  }
}
