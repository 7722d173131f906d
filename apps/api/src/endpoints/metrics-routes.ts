import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Metrics } from '../telemetry/metrics.js';
import { sendProblem } from '../http/problem.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * `GET /metrics`: Prometheus text exposition. Not served at all with `METRICS_ENABLED=false`;
 * with `METRICS_TOKEN` set it asks for `Authorization: Bearer <METRICS_TOKEN>`. Without a token it
 * is open, so it belongs behind the ingress (a warning says so in production).
 */
export function metricsRoutes(deps: { config: Pick<Config, 'metrics' | 'nodeEnv'>; metrics: Pick<Metrics, 'render'>; logger: Logger }): Router {
  const router = Router();
  const { enabled, token } = deps.config.metrics;
  if (!enabled) return router;
  if (!token && deps.config.nodeEnv === 'production') {
    deps.logger.warn('GET /metrics is served without METRICS_TOKEN: block it at the ingress or set METRICS_TOKEN');
  }
  const expected = token ? digest(token) : undefined;
  router.get('/metrics', async (req, res) => {
    if (expected) {
      const presented = BEARER.exec(req.headers.authorization ?? '')?.[1];
      const challenge = { 'www-authenticate': 'Bearer realm="metrics"' };
      if (!presented) return sendProblem(res, 'unauthenticated', 'Send Authorization: Bearer <METRICS_TOKEN>.', challenge);
      if (!timingSafeEqual(digest(presented), expected)) return sendProblem(res, 'invalid_token', undefined, challenge);
    }
    const { contentType, body } = await deps.metrics.render();
    res.set({ 'content-type': contentType, 'cache-control': 'no-store' }).status(200).send(body);
  });
  return router;
}

/** Equal-length digests, so the comparison takes the same time whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
