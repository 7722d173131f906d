import type { ApiRoute } from '@app/shared-types';
import { lenientReading, mayReadDifferently, parseRequestTarget } from './request-target.js';

/** A request target matched to its route: where it goes and under which policy. */
export interface RouteMatch {
  route: ApiRoute;
  /** Origin of the route's upstream, e.g. `http://orders.internal:8080`. */
  origin: string;
  /** Path and query to request at {@link RouteMatch.origin}: `/api/orders/7?x=1` → `/v1/7?x=1`. */
  upstreamPath: string;
}

/** What {@link RouteTable.resolve} makes of a request target. */
export type RouteResolution =
  | ({ kind: 'match' } & RouteMatch)
  /** No route's prefix covers the path: `404 not_found`. */
  | { kind: 'not_found' }
  /** A path an upstream could read differently than the table does (request-target.ts): `400 bad_request`. */
  | { kind: 'bad_request'; reason: string };

interface CompiledRoute {
  route: ApiRoute;
  origin: string;
  /** The upstream's path without a trailing slash (`''` for the root). */
  basePath: string;
}

/**
 * The route table, compiled once at start-up and immutable afterwards: the one place that decides
 * which route a path under `/api` belongs to (longest prefix, whole segments) and what path the
 * upstream sees. The HTTP proxy, WebSocket upgrades and forward auth all ask it the same question.
 * Matching runs on the normalised request target (request-target.ts), so `/api/%6Frders` is
 * matched as `/api/orders` and cannot slip past that route's policy to a broader one. Prefixes
 * match case-insensitively (ASP.NET Core and Express route that way), and a path that a lenient
 * upstream would read as another route's (`admin%2Fx`, `admin;x`, `admin.`) is refused with `400`
 * rather than sent under the looser route's policy.
 * @see ../../../../shared/docs/contract.md ("Several upstream APIs: the route table")
 */
export class RouteTable {
  readonly #byPrefix: ReadonlyMap<string, CompiledRoute>;
  /** The routes in configuration order. */
  readonly routes: readonly ApiRoute[];

  /** Compiles validated routes (`Config.routes`); throws on a duplicate prefix, which config validation already refuses. */
  constructor(routes: readonly ApiRoute[]) {
    const byPrefix = new Map<string, CompiledRoute>();
    for (const route of routes) {
      // prefixes match case-insensitively: keyed lower-cased (config validation refuses duplicates that differ in case)
      const key = route.prefix.toLowerCase();
      if (byPrefix.has(key)) throw new Error(`duplicate route prefix ${route.prefix}`);
      const upstream = new URL(route.upstream);
      byPrefix.set(key, { route, origin: upstream.origin, basePath: upstream.pathname.replace(/\/+$/, '') });
    }
    this.#byPrefix = byPrefix;
    this.routes = Object.freeze([...routes]);
    Object.freeze(this);
  }

  /** The route and upstream path of a request target (`req.url`: path and optional query); `undefined` when none applies or the path is malformed. */
  match(target: string): RouteMatch | undefined {
    const resolved = this.resolve(target);
    return resolved.kind === 'match' ? { route: resolved.route, origin: resolved.origin, upstreamPath: resolved.upstreamPath } : undefined;
  }

  /** Like {@link RouteTable.match}, but says why nothing matched: no route (`404`) or a malformed path (`400`). */
  resolve(target: string): RouteResolution {
    const parsed = parseRequestTarget(target);
    if (parsed.kind === 'bad') return { kind: 'bad_request', reason: parsed.reason };
    const { path, query } = parsed;
    const found = this.#longest(path.toLowerCase());
    if (mayReadDifferently(path) && this.#longest(lenientReading(path))?.compiled !== found?.compiled) {
      return {
        kind: 'bad_request',
        reason: 'An upstream could read this path (decoded, without ;parameters or trailing dots) as belonging to another API route; send the path as that route expects it.',
      };
    }
    if (!found) return { kind: 'not_found' };
    const { compiled, end } = found;
    const upstreamPath = `${compiled.basePath}${path.slice(end)}` || '/';
    return { kind: 'match', route: compiled.route, origin: compiled.origin, upstreamPath: `${upstreamPath}${query}` };
  }

  /** The route of the longest prefix covering `key` (a lower-cased path) on whole segments, and where its prefix ends. */
  #longest(key: string): { compiled: CompiledRoute; end: number } | undefined {
    // walk up one whole segment at a time (at most as many lookups as segments)
    for (let end = key.length; end > 0; end = key.lastIndexOf('/', end - 1)) {
      const compiled = this.#byPrefix.get(end === key.length ? key : key.slice(0, end));
      if (compiled) return { compiled, end };
    }
    return undefined;
  }
}
