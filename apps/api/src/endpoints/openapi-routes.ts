import { Router } from 'express';
import type { Config } from '../config/config.js';
import { buildOpenApiDocument } from './openapi.js';

/** `GET /openapi.json`: the OpenAPI 3.1 description, built once, with this deployment's cookie name. */
export function openApiRoutes(deps: { cookieName: string; config: Pick<Config, 'routes'> }): Router {
  const body = JSON.stringify(buildOpenApiDocument({ cookieName: deps.cookieName, routes: deps.config.routes }));
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.set({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' }).status(200).send(body);
  });
  return router;
}
