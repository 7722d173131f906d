import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRouteTable, type ApiRoute, type ParsedApiRoute } from '@app/shared-types';
import { flag, integer, optional, text, url, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** The demo upstream that `npm run dev` starts. */
export const DEV_UPSTREAM_URL = 'http://127.0.0.1:4020';

/** Where `/api/*` goes: one upstream, or the route table. */
export const routeSettings = {
  title: 'Upstreams and the route table',
  settings: {
    API_UPSTREAM_URL: optional(url(['http:', 'https:']), { doc: 'where `/api/*` goes', unset: `dev: the demo upstream \`${DEV_UPSTREAM_URL}\`` }),
    API_ROUTES: optional(text(), {
      doc: 'the route table, a JSON array: prefixes under `/api`, each with its upstream, token (`user`, `user-or-anonymous`, `client`, `none`), `groups`, `scopes`, `anonymous`, `timeoutMs`, `websocket` (see the contract). Every problem is listed as `API_ROUTES[<index>].<field>: …`',
      unset: 'unset: one `/api` route to `API_UPSTREAM_URL`',
    }),
    API_ROUTES_FILE: optional(text(), { doc: 'the path of a file holding the route table of `API_ROUTES`; not both', unset: 'unset' }),
    API_WEBSOCKET: withDefault(flag(), {
      default: 'false',
      defaultNote: '(`npm run dev`: `true`)',
      doc: '`true`: proxy WebSocket upgrades on the `/api` route of `API_UPSTREAM_URL` (without a route table; with one, set `"websocket": true` on routes)',
    }),
    UPSTREAM_TIMEOUT_MS: withDefault(integer(1, 10 * 60 * 1000), {
      default: '30000',
      doc: 'time the upstream gets to send its response **headers** before `504`; once they arrive, a stream (SSE, chunked) may last and pause as long as it likes (no body timeout: the client ends it by leaving, which ends the upstream request too)',
    }),
  },
} satisfies SettingGroup;

type RouteEnv = EnvOf<typeof routeSettings.settings>;

/** Reads the route table's JSON from `API_ROUTES` or `API_ROUTES_FILE`; `undefined` when neither is set. */
function readRouteTableSource(e: RouteEnv, problems: string[]): { name: string; json: unknown } | undefined {
  if (e.API_ROUTES !== undefined && e.API_ROUTES_FILE !== undefined) {
    problems.push('API_ROUTES_FILE: set either API_ROUTES or API_ROUTES_FILE, not both');
    return undefined;
  }
  let name: string;
  let text: string;
  if (e.API_ROUTES !== undefined) {
    name = 'API_ROUTES';
    text = e.API_ROUTES;
  } else if (e.API_ROUTES_FILE !== undefined) {
    name = 'API_ROUTES_FILE';
    const path = resolve(e.API_ROUTES_FILE);
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      problems.push(`API_ROUTES_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  } else return undefined;
  try {
    return { name, json: JSON.parse(text) as unknown };
  } catch (err) {
    problems.push(`${name}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

/** Validates the table, listing each problem as `<VARIABLE>[<index>].<field>: …`. */
function parseRoutes(source: { name: string; json: unknown }, problems: string[]): ParsedApiRoute[] | undefined {
  const result = parseRouteTable(source.json);
  if (result.ok) return result.routes;
  for (const p of result.problems) problems.push(`${source.name}${p.path}: ${p.message}`);
  return undefined;
}

/** Fills `timeoutMs` and freezes each route, its lists and the table: nothing may change it after start-up. */
function freezeRoutes(routes: readonly ParsedApiRoute[], upstreamTimeoutMs: number): readonly ApiRoute[] {
  return Object.freeze(
    routes.map((r) =>
      Object.freeze({
        ...r,
        timeoutMs: r.timeoutMs ?? upstreamTimeoutMs,
        ...(r.groups ? { groups: Object.freeze([...r.groups]) } : {}),
        ...(r.scopes ? { scopes: Object.freeze([...r.scopes]) } : {}),
      }),
    ),
  );
}

/** Whether the routes come from a table (`API_ROUTES` or `API_ROUTES_FILE`) rather than `API_UPSTREAM_URL`. */
export function usesRouteTable(e: Pick<RouteEnv, 'API_ROUTES' | 'API_ROUTES_FILE'>): boolean {
  return e.API_ROUTES !== undefined || e.API_ROUTES_FILE !== undefined;
}

/** The routes' part of the configuration; refusals go to `problems`. */
export function routeConfig(e: RouteEnv, problems: string[]) {
  const routeSource = readRouteTableSource(e, problems);
  const tableRoutes = routeSource ? parseRoutes(routeSource, problems) : undefined;
  if (e.API_WEBSOCKET && usesRouteTable(e)) problems.push('API_WEBSOCKET: only without a route table; set "websocket": true on the routes of API_ROUTES / API_ROUTES_FILE instead');
  const fallbackUpstream = (e.API_UPSTREAM_URL ?? DEV_UPSTREAM_URL).replace(/\/+$/, '');
  const routes = freezeRoutes(tableRoutes ?? [{ prefix: '/api', upstream: fallbackUpstream, token: 'user', anonymous: false, websocket: e.API_WEBSOCKET }], e.UPSTREAM_TIMEOUT_MS);
  return {
    /**
     * The route table (`API_ROUTES` / `API_ROUTES_FILE`, else one `/api` route to `API_UPSTREAM_URL`):
     * validated, frozen, `timeoutMs` filled from `UPSTREAM_TIMEOUT_MS`. Build a `RouteTable` from it.
     */
    routes,
    /**
     * Fallback for code written before the route table: the upstream of the `/api` route (without a
     * table, `API_UPSTREAM_URL` exactly as before). With a table that has no `/api` route it is
     * `API_UPSTREAM_URL` or the dev default, which no route uses. New code reads `routes`.
     */
    upstreamUrl: routes.find((r) => r.prefix === '/api')?.upstream ?? fallbackUpstream,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
  };
}
