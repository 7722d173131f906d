/** True for `/api`, `/api/…` and `/api?…`: the proxied API (not a look-alike such as `/apiary`). */
export function isApiTarget(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

/** Coarse route of a request for metrics: a handful of values, never the raw path, so cardinality stays bounded. */
export type RouteGroup = 'api' | 'session' | 'auth' | 'health' | 'web' | 'other';

/**
 * Classifies a request URL. `health` holds the operational endpoints (`/healthz`, `/readyz`,
 * `/metrics`); `web` is what the built web app answers (production only); anything else is `other`.
 */
export function routeGroup(url: string, serveWeb: boolean): RouteGroup {
  if (isApiTarget(url)) return 'api';
  const path = url.split('?', 1)[0];
  if (path === '/session' || path === '/sessions' || path?.startsWith('/sessions/')) return 'session';
  if (path?.startsWith('/auth/')) return 'auth';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return 'health';
  if (path === '/openapi.json') return 'other';
  return serveWeb ? 'web' : 'other';
}
