/**
 * The route table: which upstream serves which path under `/api`, with which token and policy.
 * One schema for the API's configuration, its tests and the docs; see "Several upstream APIs:
 * the route table" in the contract.
 * @see ../../../shared/docs/contract.md
 */
import { z } from 'zod';

/** What the BFF puts in `Authorization` on a route's upstream requests. */
export const ROUTE_TOKEN_KINDS = ['user', 'user-or-anonymous', 'client', 'none'] as const;
/** One of {@link ROUTE_TOKEN_KINDS}. */
export type RouteTokenKind = (typeof ROUTE_TOKEN_KINDS)[number];

/** Longest `timeoutMs` a route may set (as `UPSTREAM_TIMEOUT_MS`): 10 minutes. */
export const MAX_ROUTE_TIMEOUT_MS = 600_000;

// A path segment: RFC 3986 unreserved and sub-delims, ':' and '@'. No '%': a percent-encoded
// prefix would match differently depending on how the request path was encoded.
const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;

function prefixProblem(prefix: string): string | undefined {
  if (prefix !== '/api' && !prefix.startsWith('/api/')) return 'must be /api or a path under /api/';
  if (prefix.endsWith('/')) return 'must not end with a slash';
  if (prefix.includes('//')) return 'must not contain an empty segment (//)';
  const segments = prefix.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain . or .. segments';
  if (!segments.every((s) => SEGMENT.test(s))) return 'may only contain letters, digits and -._~!$&\'()*+,;=:@ in its segments';
  // upstreams read these away (Tomcat and Jetty cut ;params, IIS drops trailing dots): such a
  // prefix would collide with the route of its shorter reading
  if (segments.some((s) => s.includes(';') || s.endsWith('.'))) return 'must not contain ";" or end a segment with "." (upstreams read them away)';
  return undefined;
}

function upstreamProblem(upstream: string): string | undefined {
  if (!URL.canParse(upstream)) return 'must be an absolute http:// or https:// URL';
  const u = new URL(upstream);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an absolute http:// or https:// URL';
  if (u.username || u.password) return 'must not contain credentials';
  if (u.search || u.hash || upstream.includes('?') || upstream.includes('#')) return 'must not have a query or fragment';
  return undefined;
}

/** `http://h/v1/` and `http://h/v1` are the same upstream: kept without a trailing slash. */
function normalizeUpstream(upstream: string): string {
  const u = new URL(upstream);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

const nonEmptyNames = (what: string) =>
  z
    .array(z.string({ error: `must be an array of ${what}` }).regex(/^\S+$/, `each ${what.replace(/s$/, '')} must be a non-empty string without spaces`), {
      error: `must be an array of ${what}`,
    })
    .min(1, `must list at least one of the ${what} (leave the field out for no restriction)`);

/**
 * One route as written in `API_ROUTES` / `API_ROUTES_FILE`: every field checked on its own, then
 * the rules that tie fields together (a policy a caller could step around is refused).
 */
export const apiRouteSchema = z
  .strictObject({
    prefix: z.string({ error: 'required: /api or a path under /api/' }).superRefine((p, ctx) => {
      const problem = prefixProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    upstream: z
      .string({ error: 'required: an absolute http:// or https:// URL' })
      .superRefine((u, ctx) => {
        const problem = upstreamProblem(u);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .transform(normalizeUpstream),
    token: z.enum(ROUTE_TOKEN_KINDS, { error: `must be one of ${ROUTE_TOKEN_KINDS.join(', ')}` }).default('user'),
    groups: nonEmptyNames('groups').optional(),
    scopes: nonEmptyNames('scopes').optional(),
    anonymous: z.boolean({ error: 'must be true or false' }).default(false),
    timeoutMs: z
      .number({ error: `must be a whole number of milliseconds between 1 and ${MAX_ROUTE_TIMEOUT_MS}` })
      .int(`must be a whole number of milliseconds between 1 and ${MAX_ROUTE_TIMEOUT_MS}`)
      .min(1, `must be a whole number of milliseconds between 1 and ${MAX_ROUTE_TIMEOUT_MS}`)
      .max(MAX_ROUTE_TIMEOUT_MS, `must be a whole number of milliseconds between 1 and ${MAX_ROUTE_TIMEOUT_MS}`)
      .optional(),
    websocket: z.boolean({ error: 'must be true or false' }).default(false),
    maxAuthAgeSeconds: z
      .number({ error: 'must be a whole number of seconds between 1 and 31536000' })
      .int('must be a whole number of seconds between 1 and 31536000')
      .min(1, 'must be a whole number of seconds between 1 and 31536000')
      .max(31_536_000, 'must be a whole number of seconds between 1 and 31536000')
      .optional(),
  })
  .superRefine((route, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    const { token } = route;
    if (route.anonymous && token !== 'client') issue('anonymous', 'only "client" routes can be anonymous');
    if (route.scopes && token === 'none') issue('scopes', 'not allowed on a "none" route (it sends no token)');
    // an anonymous caller would skip the check: the policy would only stop those who sign in
    if (route.scopes && token === 'user-or-anonymous') issue('scopes', 'not allowed on a "user-or-anonymous" route (anonymous callers would skip it)');
    if (!route.scopes && token === 'client') issue('scopes', 'required on a "client" route: the resource-server scopes to ask Cognito for');
    if (route.groups && token === 'none') issue('groups', 'not allowed on a "none" route (it checks no user)');
    if (route.groups && token === 'user-or-anonymous') issue('groups', 'not allowed on a "user-or-anonymous" route (anonymous callers would skip it)');
    if (route.groups && token === 'client' && route.anonymous) issue('groups', 'not allowed on an anonymous "client" route (it checks no user)');
    // step-up asks for a recent sign-in: a route that lets anonymous callers through cannot ask it
    if (route.maxAuthAgeSeconds !== undefined && (token === 'none' || token === 'user-or-anonymous' || (token === 'client' && route.anonymous))) {
      issue('maxAuthAgeSeconds', 'only on routes whose callers must be signed in ("user", or "client" without anonymous)');
    }
  });

/** A route as written in the configuration (defaults not applied). */
export type ApiRouteInput = z.input<typeof apiRouteSchema>;
/** A route as the schema returns it: defaults applied, upstream without a trailing slash; `timeoutMs` still optional. */
export type ParsedApiRoute = z.output<typeof apiRouteSchema>;
/** A route as the API uses it: `timeoutMs` filled from `UPSTREAM_TIMEOUT_MS` when the entry had none. */
export type ApiRoute = Readonly<Omit<ParsedApiRoute, 'timeoutMs' | 'groups' | 'scopes'>> & {
  readonly timeoutMs: number;
  readonly groups?: readonly string[];
  readonly scopes?: readonly string[];
};

/** One problem of a route table: where (`[2].token`, or `` for the table itself) and what. */
export interface RouteTableProblem {
  /** `[<index>].<field>`, `[<index>]`, or `''` for the whole table. */
  path: string;
  message: string;
}

/** Outcome of {@link parseRouteTable}: every problem at once, or the parsed routes. */
export type RouteTableResult = { ok: true; routes: ParsedApiRoute[] } | { ok: false; problems: RouteTableProblem[] };

/**
 * Validates a whole route table (already parsed from JSON). Each route is checked separately so
 * that one broken entry does not hide the others' problems; duplicate prefixes are found on the
 * raw entries for the same reason.
 */
export function parseRouteTable(input: unknown): RouteTableResult {
  if (!Array.isArray(input) || input.length === 0) {
    return { ok: false, problems: [{ path: '', message: 'must be a non-empty JSON array of routes' }] };
  }
  const problems: RouteTableProblem[] = [];
  const routes: ParsedApiRoute[] = [];
  input.forEach((entry: unknown, index) => {
    const parsed = apiRouteSchema.safeParse(entry);
    if (parsed.success) {
      routes.push(parsed.data);
      return;
    }
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.push({ path: `[${index}].${key}`, message: `unknown field (known: ${Object.keys(apiRouteSchema.shape).join(', ')})` });
      } else if (issue.path.length === 0) {
        problems.push({ path: `[${index}]`, message: 'must be an object' });
      } else {
        const where = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
        problems.push({ path: `[${index}]${where}`, message: issue.message });
      }
    }
  });
  const firstIndexOf = new Map<string, number>();
  input.forEach((entry: unknown, index) => {
    const prefix = typeof entry === 'object' && entry !== null ? (entry as { prefix?: unknown }).prefix : undefined;
    if (typeof prefix !== 'string') return;
    // prefixes match case-insensitively, so /api/Orders and /api/orders are one prefix
    const key = prefix.toLowerCase();
    const first = firstIndexOf.get(key);
    if (first === undefined) firstIndexOf.set(key, index);
    else problems.push({ path: `[${index}].prefix`, message: `duplicates the prefix of route [${first}] (prefixes match case-insensitively)` });
  });
  const indexOf = (p: RouteTableProblem) => Number(/^\[(\d+)\]/.exec(p.path)?.[1] ?? -1);
  problems.sort((a, b) => indexOf(a) - indexOf(b)); // stable: a route's problems keep their field order
  return problems.length ? { ok: false, problems } : { ok: true, routes };
}
