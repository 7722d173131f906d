import { z } from 'zod';
import { authErrorCodeSchema, ERROR_STATUS, PROBLEM_CONTENT_TYPE, SIGN_IN_PARAMETER_MAX_LENGTH, SIGN_IN_PARAMETERS, type ApiRoute, type ErrorCode } from '@app/shared-types';
import { titleOf } from '../http/errors.js';
import { COMPONENT_SCHEMAS, type ComponentName } from './schemas.js';

/**
 * The OpenAPI 3.1 description of the BFF, built from the zod schemas the code answers with
 * (./schemas.ts → `z.toJSONSchema`, draft 2020-12 as OpenAPI 3.1 uses). Served at
 * `GET /openapi.json` and written to `docs/openapi.json` by `npm run openapi -w apps/api`.
 * @see https://spec.openapis.org/oas/v3.1.1.html
 */

type Json = Record<string, unknown>;

/** Options that make the served document match the deployment. */
export interface OpenApiOptions {
  /** The session cookie's name (`__Host-bff.sid` behind https). */
  cookieName?: string;
  /** The configured route table; the document then describes each route's policy. */
  routes?: readonly ApiRoute[];
}

/** Version of the API described (the package version). */
export const API_VERSION = '0.1.0';

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ 'application/json': { schema: ref(name) } });
const NO_STORE = { 'Cache-Control': { description: 'Always `no-store`.', schema: { type: 'string', const: 'no-store' } } };
const REQUEST_ID_HEADER = { 'X-Request-Id': { description: 'The request id (the caller\'s, when sane, else generated); also in the log line.', schema: { type: 'string' } } };
const LOCATION = { Location: { description: 'Where the browser goes next.', schema: { type: 'string' } } };
const SET_COOKIE = (what: string) => ({ 'Set-Cookie': { description: what, schema: { type: 'string' } } });

/** Problem responses for `codes`, grouped by status; each narrows `code` to the codes of that status. */
function problems(...codes: ErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const out: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: list.map((c) => `\`${c}\`: ${titleOf(c)}`).join('; '),
      headers: REQUEST_ID_HEADER,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { allOf: [ref('ProblemDetails'), { properties: { code: { enum: list } } }] } } },
    };
  }
  return out;
}

// the codes `/?authError=` may carry, from the contract's schema
const authErrorCodes = authErrorCodeSchema.options.map((code) => `\`${code}\``).join(', ');

const csrfParameter = {
  name: 'X-CSRF',
  in: 'header',
  required: true,
  description: 'Must be `1`: a cross-site form or image cannot set it.',
  schema: { type: 'string', const: '1' },
};
const requestIdParameter = {
  name: 'X-Request-Id',
  in: 'header',
  required: false,
  description: 'Your request id (1–128 of `A-Z a-z 0-9 _ . : -`); anything else is replaced by a generated one.',
  schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$' },
};

const authPaths = {
  '/auth/login': {
    get: {
      tags: ['auth'],
      operationId: 'login',
      summary: 'Start sign-in (browser navigation)',
      description:
        "Redirects to the IdP's authorization endpoint: code flow, PKCE S256, random `state` and `nonce`. If the IdP or the session store is unreachable, redirects to `/?authError=<code>` instead.",
      parameters: [
        {
          name: 'returnTo',
          in: 'query',
          required: false,
          description: 'Same-origin relative path to land on after sign-in (`/x`); anything else (`//x`, `/\\x`, `https://…`, `javascript:`) becomes `/`.',
          schema: { type: 'string', maxLength: 2048 },
        },
        ...SIGN_IN_PARAMETERS.map((name) => ({
          name,
          in: 'query',
          required: false,
          description: `Passed on to the authorization request (contract, "Sign-in parameters"); a value over ${SIGN_IN_PARAMETER_MAX_LENGTH} characters or with control characters is dropped.`,
          schema: { type: 'string' },
        })),
      ],
      responses: {
        '302': { description: 'To the authorization endpoint (or `/?authError=…`).', headers: { ...LOCATION, ...SET_COOKIE('The pre-login session cookie.'), ...NO_STORE } },
        ...problems('bad_request', 'rate_limited', 'payload_too_large'),
      },
    },
  },
  '/auth/callback': {
    get: {
      tags: ['auth'],
      operationId: 'callback',
      summary: 'Finish sign-in (redirect target registered at the IdP)',
      description:
        `Exchanges the code (client secret via HTTP Basic), validates the ID token, issues a **new** session id and redirects to \`returnTo\`. A missing or wrong \`state\`, an \`error\` from the IdP, a replayed code or a failed exchange never create a session and never answer 5xx: the browser lands on \`/?authError=<code>\` (${authErrorCodes}).`,
      parameters: [
        { name: 'code', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'state', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'error', in: 'query', required: false, schema: { type: 'string' } },
        { name: 'error_description', in: 'query', required: false, schema: { type: 'string' } },
      ],
      responses: {
        '302': { description: 'To `returnTo` (signed in) or to `/?authError=<code>`.', headers: { ...LOCATION, ...SET_COOKIE('The new session cookie, on success.'), ...NO_STORE } },
        ...problems('invalid_callback', 'rate_limited', 'payload_too_large'),
      },
    },
  },
  '/auth/check': {
    get: {
      tags: ['auth'],
      operationId: 'forwardAuthCheck',
      'x-internal-listener': true,
      summary: 'Forward auth for an ingress (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz); internal listener only',
      description:
        'Served only on the internal listener (`INTERNAL_PORT`): on the public port it answers `404` and never carries a token; without `INTERNAL_PORT` forward auth is off. Decides the original request on a virtual `user` route: its method from `X-Forwarded-Method`, else `X-Original-Method`, else this request\'s own (any method and any path under `/auth/check/` are answered the same way, as Envoy sends them); an unsafe method with the session cookie needs `X-CSRF: 1`. Signed in: `200`, empty body, a fresh access token (refreshed first) and the user headers to copy onto the upstream request. Never a redirect. An original URI under `/api` (`X-Forwarded-Uri`, `X-Original-URI`, or the path after `/auth/check`) that a lenient reading would send to a stricter route answers `400`. See docs/forward-auth.md.',
      security: [{ sessionCookie: [] }, { bearerToken: [] }],
      parameters: [
        { name: 'X-Forwarded-Method', in: 'header', required: false, description: 'The original request\'s method (Traefik, or set by nginx).', schema: { type: 'string' } },
        { name: 'X-Original-Method', in: 'header', required: false, description: 'The original request\'s method, when X-Forwarded-Method is absent.', schema: { type: 'string' } },
        { name: 'X-Forwarded-Uri', in: 'header', required: false, description: 'The original request target (Traefik; nginx may set it too).', schema: { type: 'string' } },
        { name: 'X-Original-URI', in: 'header', required: false, description: 'The original request target (nginx).', schema: { type: 'string' } },
        { ...csrfParameter, required: false, description: 'Needed with the session cookie when the original method is not GET, HEAD or OPTIONS.' },
        requestIdParameter,
      ],
      responses: {
        '200': {
          description: 'Signed in: copy these headers onto the request to the service.',
          headers: {
            Authorization: { description: '`Bearer <access token>`, refreshed first when it expires soon.', schema: { type: 'string' } },
            'X-Auth-Request-User': { description: '`cognito:username`, else `sub`. Always present.', schema: { type: 'string' } },
            'X-Auth-Request-Email': { description: 'The email when the IdP verified it (`email_verified: true`), else empty. Always present.', schema: { type: 'string' } },
            'X-Auth-Request-Groups': { description: 'The `cognito:groups`, comma-separated; empty for none. Always present.', schema: { type: 'string' } },
            ...NO_STORE,
            ...REQUEST_ID_HEADER,
          },
        },
        ...problems('bad_request', 'unauthenticated', 'session_expired', 'invalid_token', 'csrf_header_missing', 'not_found', 'idp_unavailable', 'session_store_unavailable'),
      },
    },
  },
  '/auth/backchannel-logout': {
    post: {
      tags: ['auth'],
      operationId: 'backchannelLogout',
      summary: 'OpenID Connect Back-Channel Logout 1.0 (called by the identity provider)',
      description:
        'The IdP posts a `logout_token` (a JWT signed like an ID token). It is verified: signature against the JWKS, `iss`, `aud` = this client, `iat` not in the future and at most 5 minutes old, a `jti` not seen before on any instance, the back-channel `events` member, no `nonce`, `sub` and/or `sid`. The sessions it names end on every instance (by `sid` when the session\'s ID token carried one, else every session of `sub`): refresh tokens revoked, sockets closed with `4401`. Cognito does not send these; most other OpenID providers can. See docs/ending-sessions.md.',
      security: [],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: { type: 'object', required: ['logout_token'], properties: { logout_token: { type: 'string', description: 'The logout token (JWT).' } } },
          },
        },
      },
      responses: {
        '200': { description: 'The sessions it names have ended (or there were none).', headers: { ...NO_STORE } },
        '400': {
          description: 'The logout token was refused (as the spec asks: an OAuth-style error body, not problem+json).',
          headers: { ...NO_STORE },
          content: {
            'application/json': {
              schema: { type: 'object', required: ['error'], properties: { error: { type: 'string', enum: ['invalid_request'] }, error_description: { type: 'string' } } },
            },
          },
        },
        ...problems('payload_too_large', 'idp_unavailable', 'session_store_unavailable'),
      },
    },
  },
  '/auth/logout': {
    post: {
      tags: ['auth'],
      operationId: 'logout',
      summary: 'Sign out',
      description:
        "Revokes the refresh token at the IdP (best effort), deletes the session and its tokens, clears the cookie, and answers the URL that ends the IdP's own session. Without a (live) session it still answers 200.",
      parameters: [csrfParameter, requestIdParameter],
      security: [{ sessionCookie: [] }, {}],
      requestBody: { required: false, content: json('LogoutRequest') },
      responses: {
        '200': { description: 'Signed out.', headers: { ...SET_COOKIE('Clears the session cookie.'), ...NO_STORE, ...REQUEST_ID_HEADER }, content: json('LogoutResponse') },
        ...problems('bad_request', 'csrf_header_missing', 'payload_too_large', 'session_store_unavailable'),
      },
    },
  },
};

const sessionPaths = {
  '/session': {
    get: {
      tags: ['session'],
      operationId: 'getSession',
      summary: 'Who is signed in',
      description:
        'Signed in or not, `200`. Refreshes first when the access token is expired or about to be, exactly as a proxied call would. A dead or tampered cookie is cleared.',
      security: [{ sessionCookie: [] }, {}],
      parameters: [requestIdParameter],
      responses: {
        '200': { description: 'The session.', headers: { ...NO_STORE, ...REQUEST_ID_HEADER }, content: json('SessionResponse') },
        ...problems('method_not_allowed', 'session_store_unavailable'),
      },
    },
  },
  '/sessions': {
    get: {
      tags: ['session'],
      operationId: 'listSessions',
      summary: "The signed-in user's sessions",
      description: 'Every live session of the user (a safe read: no `X-CSRF` needed). Cookie sessions only.',
      security: [{ sessionCookie: [] }],
      parameters: [requestIdParameter],
      responses: {
        '200': { description: 'The sessions.', headers: { ...NO_STORE, ...REQUEST_ID_HEADER }, content: json('SessionListResponse') },
        ...problems('unauthenticated', 'session_store_unavailable'),
      },
    },
  },
  '/sessions/{id}': {
    delete: {
      tags: ['session'],
      operationId: 'endSession',
      summary: 'End one of my sessions',
      description: 'Revokes its refresh token at the IdP (best effort) and ends it. Ending the current session also clears the cookie.',
      security: [{ sessionCookie: [] }],
      parameters: [
        { name: 'id', in: 'path', required: true, description: 'The `id` from `GET /sessions`.', schema: { type: 'string' } },
        csrfParameter,
        requestIdParameter,
      ],
      responses: {
        '204': { description: 'Ended.', headers: { ...SET_COOKIE('Clears the cookie when the current session was ended.'), ...NO_STORE } },
        ...problems('unauthenticated', 'csrf_header_missing', 'not_found', 'session_store_unavailable'),
      },
    },
  },
};

const API_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** The errors of `/api/*`, shared by its seven operations through `components.responses`. */
const API_PROBLEMS = problems(
  'bad_request',
  'unauthenticated',
  'step_up_required',
  'session_expired',
  'invalid_token',
  'csrf_header_missing',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'rate_limited',
  'upstream_unavailable',
  'client_token_rejected',
  'idp_unavailable',
  'session_store_unavailable',
  'upstream_timeout',
);
const apiProblemName = (status: string) => `ApiProblem${status}`;

/** Who may call a route and what goes upstream, in words, for its operations' description (never the upstream's address). */
function routePolicy(route: ApiRoute): string {
  const who: Record<ApiRoute['token'], string> = {
    user: "The signed-in user's access token is sent upstream.",
    'user-or-anonymous': "With a session or bearer token, the user's access token is sent upstream; without, the call goes upstream with no `Authorization`.",
    client: `The BFF's own client_credentials token (scopes ${route.scopes?.map((x) => `\`${x}\``).join(', ') ?? ''}) is sent upstream; ${route.anonymous ? 'callers need no session.' : 'the caller must still be signed in.'}`,
    none: 'No `Authorization` is sent upstream; callers need no session.',
  };
  const rules = [
    route.groups ? `Callers must be in one of the groups ${route.groups.map((g) => `\`${g}\``).join(', ')} (else \`403 forbidden\`).` : '',
    route.token !== 'client' && route.scopes ? `The access token must carry every scope of ${route.scopes.map((x) => `\`${x}\``).join(', ')} (else \`403 forbidden\`).` : '',
    route.maxAuthAgeSeconds !== undefined ? `Step-up: the user must have signed in within the last ${route.maxAuthAgeSeconds} seconds (else \`401 step_up_required\` with \`loginUrl\`).` : '',
  ];
  return [who[route.token], ...rules, `The upstream gets ${route.timeoutMs} ms to answer with its headers.`].filter(Boolean).join(' ');
}

/** Security requirements of a route's operations: who can call it. */
function routeSecurity(route: ApiRoute): Json[] {
  const user = [{ sessionCookie: [], csrfHeader: [] }, { bearerToken: [] }];
  if (route.token === 'user' || (route.token === 'client' && !route.anonymous)) return user;
  if (route.token === 'user-or-anonymous') return [...user, {}];
  return [{}];
}

function apiOperation(method: (typeof API_METHODS)[number], route: ApiRoute, index: number) {
  const hasBody = method === 'post' || method === 'put' || method === 'patch' || method === 'delete';
  const name = `${method[0]!.toUpperCase()}${method.slice(1)}`;
  return {
    tags: ['api'],
    operationId: index === 0 ? `api${name}` : `api${name}Route${index}`,
    summary: `${method.toUpperCase()} proxied by the route ${route.prefix}`,
    description: `${routePolicy(route)} Forwarded with the path after \`${route.prefix}\` and the query string, bodies streamed both ways. Browsers: the session cookie **and** \`X-CSRF: 1\` on every call that carries the cookie (the access token is refreshed first when it expires soon). Other clients: \`Authorization: Bearer <Cognito access token>\`, verified against the JWKS. Status and headers pass through (minus hop-by-hop ones and \`Set-Cookie\`); \`Cookie\` never reaches the upstream, and \`X-Forwarded-*\` are built by the BFF. A path no route matches answers \`404 not_found\`; \`TRACE\` answers \`405\`; a caller with too many calls in flight gets \`429\`; a request body that stalls gets \`408\`.`,
    security: routeSecurity(route),
    parameters: [
      {
        name: 'path',
        in: 'path',
        required: true,
        description: 'The rest of the path (may contain `/`); `.`/`..` segments in any encoding, `//`, fragments, backslashes and control characters answer `400`.',
        schema: { type: 'string' },
      },
      requestIdParameter,
    ],
    ...(hasBody ? { requestBody: { required: false, content: { '*/*': { schema: {} } } } } : {}),
    responses: {
      default: { description: "The upstream's answer, passed through.", content: { '*/*': { schema: {} } } },
      ...Object.fromEntries(Object.keys(API_PROBLEMS).map((status) => [status, { $ref: `#/components/responses/${apiProblemName(status)}` }])),
    },
  };
}

/** One path per route of the table (`<prefix>/{path}`), in configuration order. */
function apiPaths(routes: readonly ApiRoute[]): Record<string, Json> {
  return Object.fromEntries(routes.map((route, index) => [`${route.prefix}/{path}`, Object.fromEntries(API_METHODS.map((m) => [m, apiOperation(m, route, index)]))]));
}

/** The route table without a configuration: `API_UPSTREAM_URL` alone (the committed docs/openapi.json describes this one). */
const DEFAULT_ROUTES: readonly ApiRoute[] = [{ prefix: '/api', upstream: 'http://upstream.invalid', token: 'user', anonymous: false, websocket: false, timeoutMs: 30_000 }];

const opsPaths = {
  '/healthz': {
    get: {
      tags: ['operations'],
      operationId: 'healthz',
      summary: 'Liveness',
      responses: { '200': { description: 'The process runs.', headers: NO_STORE, content: json('HealthResponse') } },
    },
  },
  '/readyz': {
    get: {
      tags: ['operations'],
      operationId: 'readyz',
      summary: 'Readiness',
      responses: {
        '200': { description: "Redis answers and the IdP's discovery document is loaded.", headers: NO_STORE, content: json('ReadyResponse') },
        ...problems('session_store_unavailable', 'idp_unavailable', 'shutting_down'),
      },
    },
  },
  '/admin/users/{sub}/sessions': {
    delete: {
      tags: ['operations'],
      operationId: 'endUserSessions',
      'x-internal-listener': true,
      summary: "End every session of a user (back ends; internal listener only)",
      description:
        'Served on the internal listener (`INTERNAL_PORT`) only, and only with `ADMIN_SCOPE` set (else `404`). Needs a `client_credentials` access token of the pool issued to one of `ADMIN_CLIENT_IDS` and carrying `ADMIN_SCOPE`. Ends every session of the user on every instance: refresh tokens revoked, sockets closed with `4401`. Typical use: a back end disables a user in Cognito (`AdminDisableUser`, `AdminUserGlobalSignOut`) and calls this, so open tabs and sockets end at once.',
      security: [{ adminToken: [] }],
      parameters: [{ name: 'sub', in: 'path', required: true, description: "The user's `sub`.", schema: { type: 'string', maxLength: 255 } }, requestIdParameter],
      responses: {
        '200': { description: 'How many sessions ended.', headers: { ...NO_STORE }, content: { 'application/json': { schema: { $ref: '#/components/schemas/AdminEndSessionsResponse' } } } },
        ...problems('bad_request', 'unauthenticated', 'invalid_token', 'forbidden', 'not_found', 'idp_unavailable', 'session_store_unavailable'),
      },
    },
  },
  '/metrics': {
    get: {
      tags: ['operations'],
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description:
        'Prometheus text exposition (see docs/observability.md). With `INTERNAL_PORT` set, served on the internal listener only (`404` on the public port). Absent (`404`) with `METRICS_ENABLED=false`; asks for `Authorization: Bearer <METRICS_TOKEN>` when that is set. Keep it off the internet.',
      security: [{ metricsToken: [] }, {}],
      responses: {
        '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
        ...problems('unauthenticated', 'invalid_token', 'not_found'),
      },
    },
  },
  '/openapi.json': {
    get: {
      tags: ['operations'],
      operationId: 'openapi',
      summary: 'This document',
      responses: { '200': { description: 'The OpenAPI 3.1 description of the API.', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  },
};

/** JSON Schemas of {@link COMPONENT_SCHEMAS}, referencing each other through `#/components/schemas/…`. */
export function componentSchemas(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENT_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  // each entry is a schema of its own to zod; inside one document they are plain subschemas
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as Json]));
}

/** Builds the OpenAPI 3.1 document. */
export function buildOpenApiDocument(options: OpenApiOptions = {}): Json {
  const cookieName = options.cookieName ?? 'bff.sid';
  return {
    openapi: '3.1.1',
    info: {
      title: 'Cognito BFF',
      version: API_VERSION,
      description:
        'Backend-for-Frontend for Amazon Cognito: OIDC code flow, server-side sessions in Redis and a refreshing `/api/*` proxy. Browsers use the session cookie (plus `X-CSRF: 1` on `/api/*` and logout); other clients send their own Cognito access token as a bearer token to `/api/*`. Every error is `application/problem+json` with a stable `code`.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'The BFF origin (PUBLIC_URL).' }],
    tags: [
      { name: 'auth', description: 'Sign-in and sign-out (browser).' },
      { name: 'session', description: 'The browser session.' },
      { name: 'api', description: 'The proxy to your API.' },
      { name: 'operations', description: 'Health, readiness, metrics and this document.' },
    ],
    paths: { ...authPaths, ...sessionPaths, ...apiPaths(options.routes ?? DEFAULT_ROUTES), ...opsPaths },
    components: {
      schemas: componentSchemas(),
      responses: Object.fromEntries(Object.entries(API_PROBLEMS).map(([status, response]) => [apiProblemName(status), response])),
      securitySchemes: {
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: cookieName,
          description: 'The signed session id (HttpOnly); `__Host-bff.sid` when PUBLIC_URL is https. Set by `/auth/callback`.',
        },
        csrfHeader: { type: 'apiKey', in: 'header', name: 'X-CSRF', description: 'The constant `1`, required with the cookie.' },
        bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito access token issued to this app client (other clients).' },
        metricsToken: { type: 'http', scheme: 'bearer', description: '`METRICS_TOKEN`, when it is set.' },
        adminToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A `client_credentials` access token of an `ADMIN_CLIENT_IDS` app client with `ADMIN_SCOPE`.' },
      },
    },
  };
}

/** The document as written to `docs/openapi.json` (stable formatting, trailing newline). */
export function renderOpenApiFile(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
