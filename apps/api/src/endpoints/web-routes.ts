import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import helmet from 'helmet';
import { API_ROUTE_PATTERNS } from '@app/shared-types';
import type { Config } from '../config/config.js';

/** The API's own paths (the shared list the dev server proxies too): never answered with the SPA. */
const NOT_SPA = new RegExp(API_ROUTE_PATTERNS.join('|'));

/** Where the web build is: WEB_DIST_DIR, else apps/web/dist next to this app. */
export function webDistDir(config: Pick<Config, 'webDistDir'>): string {
  if (config.webDistDir) return resolve(config.webDistDir);
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/dist');
}

/**
 * Serves the built SPA on the same origin (production): hashed assets cached for a year,
 * `index.html` never cached, SPA fallback for unknown GET paths, and security headers with a
 * CSP that allows only this origin.
 */
export function webRoutes(config: Pick<Config, 'webDistDir' | 'secureCookies'>, authorizationOrigin: () => string | undefined): Router {
  const dir = webDistDir(config);
  const index = join(dir, 'index.html');
  const router = Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          // the Sign in form GETs /auth/login, which redirects to the IdP: browsers apply
          // form-action to that redirect too, so the authorization endpoint must be allowed
          formAction: ["'self'", () => authorizationOrigin() ?? "'self'"],
          frameAncestors: ["'none'"],
          upgradeInsecureRequests: config.secureCookies ? [] : null,
        },
      },
      strictTransportSecurity: config.secureCookies,
    }),
  );
  router.use(
    '/assets',
    express.static(join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: true }),
  );
  router.use(express.static(dir, { index: false, maxAge: 0, setHeaders: (res) => res.setHeader('cache-control', 'no-cache') }));
  router.get(/.*/, (req, res, next) => {
    if (NOT_SPA.test(req.path) || !existsSync(index)) return next();
    res.setHeader('cache-control', 'no-cache');
    res.sendFile(index);
  });
  return router;
}
