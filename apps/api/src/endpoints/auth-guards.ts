import { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Redis } from '../redis/client.js';
import { BACKCHANNEL_LOGOUT_BODY_LIMIT_BYTES } from './backchannel-logout.js';
import { limitBody } from '../http/body-limit.js';
import { rateLimit } from './rate-limit.js';
import { RateLimiter } from '../redis/rate-limiter.js';

/** What the auth routes' guards need: the rate limit, its Redis, a logger. */
export interface AuthGuardDeps {
  config: Pick<Config, 'rateLimitAuthPerMinute' | 'redisKeyPrefix'>;
  redis: Redis;
  logger: Logger;
}

/** No auth route but back-channel logout needs more: `POST /auth/logout` may carry `{"everywhere": true}`, the others nothing. */
export const AUTH_BODY_LIMIT_BYTES = 1024;
const RATE_WINDOW_MS = 60_000;

/**
 * Abuse guards in front of the auth routes: a 1 kB body cap on `/auth/*`, and per-client-IP rate
 * limits on `/auth/login` and `/auth/callback` (`RATE_LIMIT_AUTH_PER_MINUTE`, 0 = off), counted in
 * Redis so they hold across instances. `/api/*` and `/session` are deliberately not limited: they
 * run ahead of Express with one Redis round trip (docs/adr/0003), and an extra one would halve it.
 */
export function authGuards(deps: AuthGuardDeps): Router {
  const router = Router();
  const small = limitBody(AUTH_BODY_LIMIT_BYTES);
  const logoutToken = limitBody(BACKCHANNEL_LOGOUT_BODY_LIMIT_BYTES);
  // a logout token is a signed JWT, larger than anything else /auth/* takes
  router.use('/auth', (req, res, next) => (req.path === '/backchannel-logout' ? logoutToken : small)(req, res, next));
  const perMinute = deps.config.rateLimitAuthPerMinute;
  if (perMinute > 0) {
    const limiter = new RateLimiter(deps.redis, deps.config.redisKeyPrefix, perMinute, RATE_WINDOW_MS);
    router.get('/auth/login', rateLimit(limiter, 'login', deps.logger));
    router.get('/auth/callback', rateLimit(limiter, 'callback', deps.logger));
  }
  return router;
}
