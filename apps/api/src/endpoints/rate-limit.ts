import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, logError } from '../http/errors.js';
import { sendProblem } from '../http/problem.js';
import { clientBucket } from '../http/client-bucket.js';
import type { RateLimiter } from '../redis/rate-limiter.js';
import { toAppError } from './error-sink.js';

/**
 * Express guard: counts the request against the client's budget for `route` (client = `req.ip`,
 * which follows the `trust proxy` setting) and answers `429 rate_limited` with `Retry-After` once
 * the budget is spent.
 *
 * Redis down: answers `503 session_store_unavailable` (the error sink turns it into the usual
 * `/?authError=session_store_unavailable` redirect for a browser) rather than failing open. Both
 * guarded routes write the express-session document to the same Redis right after, so failing
 * open could not save the request; it would only add a second Redis timeout (1.5 s + 1.5 s when
 * Redis hangs) before the same 503 and break the contract's "503 within 2 s". Any other limiter
 * error is a bug of ours: it is logged and the request goes through, so it never locks users out.
 */
export function rateLimit(limiter: RateLimiter, route: string, logger: Logger): RequestHandler {
  return async (req: Request, res: Response, next) => {
    let decision;
    try {
      decision = await limiter.hit(clientBucket(req.ip), route);
    } catch (err) {
      // Redis down: the error sink answers it as every other path does (503, or the sign-in redirect)
      if (toAppError(err).code === 'session_store_unavailable') return next(err);
      logError(logger, new AppError('internal_error', undefined, { cause: err }), { reqId: req.id, event: 'rate_limit' }, 'rate limiter failed; letting the request through');
      return next();
    }
    if (decision.allowed) return next();
    // no log line of its own: the request line already says 429, and a flood must not double the log volume
    const seconds = String(decision.retryAfterSeconds);
    sendProblem(res, 'rate_limited', `Too many requests to this route from your address; try again in ${seconds} s.`, { 'retry-after': seconds });
  };
}
