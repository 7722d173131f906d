import { Router } from 'express';
import type { HealthResponse, ReadyResponse } from './schemas.js';
import type { OidcClient } from '../idp/oidc-client.js';
import type { Lifecycle } from '../kernel/lifecycle.js';
import type { Redis } from '../redis/client.js';
import { pingRedis } from '../redis/client.js';
import { sendJson, sendProblem } from '../http/problem.js';

/** What the health routes look at: draining, the IdP's discovery, Redis. */
export interface HealthDeps {
  lifecycle: Pick<Lifecycle, 'draining'>;
  oidc: Pick<OidcClient, 'ready' | 'configuration'>;
  redis: Redis;
}

/** `/healthz` (the process runs) and `/readyz` (not shutting down, Redis answers and discovery is loaded). */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' } satisfies HealthResponse, { 'cache-control': 'no-store' }));
  router.get('/readyz', async (_req, res) => {
    if (deps.lifecycle.draining) return sendProblem(res, 'shutting_down', 'This instance is shutting down; the load balancer should take it out of rotation.');
    const redis = await pingRedis(deps.redis).then(
      () => true,
      () => false,
    );
    const idp = deps.oidc.ready || (await deps.oidc.configuration().then(() => true, () => false));
    if (!redis) return sendProblem(res, 'session_store_unavailable', 'Redis does not answer.');
    if (!idp) return sendProblem(res, 'idp_unavailable', "The issuer's discovery document could not be loaded.");
    sendJson(res, 200, { status: 'ready', redis: 'ok', idp: 'ok' } satisfies ReadyResponse, { 'cache-control': 'no-store' });
  });
  return router;
}
