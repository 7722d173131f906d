/**
 * The BFF's own endpoints through a client generated from its OpenAPI document (openapi-fetch
 * over the openapi-typescript types in ./generated), with every body checked against the shared
 * zod schema, and `/api/*` through {@link BffClient.apiFetch}. Browsers use it as is (same origin,
 * the session cookie, `X-CSRF: 1`); other callers give a `baseUrl` and either a bearer token in
 * `headers` or a `fetch` that keeps a cookie jar.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { z } from 'zod';
import {
  CSRF_HEADER,
  logoutResponseSchema,
  sessionListResponseSchema,
  sessionResponseSchema,
  type LogoutRequest,
  type LogoutResponse,
  type SessionListResponse,
  type SessionResponse,
} from '@app/shared-types';
import { errorFromResponse, invalidResponse, networkError } from './errors.js';
import type { paths } from './generated/openapi.js';

/** Options of {@link createBffClient}. */
export interface BffClientOptions {
  /** Origin (and path prefix) of the BFF; default `''`: the page's own origin. */
  baseUrl?: string;
  /** Headers sent on every call, e.g. `{ authorization: 'Bearer …' }` for a back end. */
  headers?: Record<string, string>;
  /** The fetch to use (a cookie-jar fetch in Node); default: the global `fetch`, looked up per call. */
  fetch?: typeof fetch;
  /** Default `same-origin`: a page's cookie goes to its own BFF only. */
  credentials?: RequestCredentials;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A client of one BFF. */
export interface BffClient {
  /** The origin prefix calls go to (`''` = same origin). */
  readonly baseUrl: string;
  /** The generated openapi-fetch client, for any documented operation. */
  readonly openapi: Client<paths>;
  /** `GET /session`: who is signed in (never a token). */
  getSession(options?: CallOptions): Promise<SessionResponse>;
  /** `GET /sessions`: the signed-in user's sessions on every device. */
  listSessions(options?: CallOptions): Promise<SessionListResponse>;
  /** `DELETE /sessions/{id}`: ends one of them (its refresh token revoked). */
  endSession(id: string, options?: CallOptions): Promise<void>;
  /** `POST /auth/logout`: ends this session (or every one), returns the IdP's logout URL. */
  logout(request?: LogoutRequest, options?: CallOptions): Promise<LogoutResponse>;
  /**
   * A call to `/api/*` (`path` starts with `/api`): resolves with the 2xx response, rejects with
   * a {@link BffError} (problem details parsed) otherwise.
   */
  apiFetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Checks a 2xx body against the contract's schema. */
function check<S extends z.ZodType>(schema: S, response: Response, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidResponse(response, parsed.error);
  return parsed.data;
}

/** Creates a client of the BFF at `baseUrl`; touches no global until the first call. */
export function createBffClient(options: BffClientOptions = {}): BffClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  const credentials = options.credentials ?? 'same-origin';
  const doFetch: typeof fetch = (input, init) => (options.fetch ?? globalThis.fetch)(input, init);
  const headers = { ...options.headers, [CSRF_HEADER]: '1' };

  // openapi-fetch builds a Request from baseUrl + path; a relative base resolves against the page
  // in a browser. It rejects with the fetch's own error when no response came.
  const openapi = createClient<paths>({ baseUrl, credentials, headers, fetch: (request) => doFetch(request) });

  async function send<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ data: T | undefined; response: Response }> {
    let result: { data?: T; error?: unknown; response: Response };
    try {
      result = await call;
    } catch (cause) {
      if (cause instanceof Error && cause.name === 'AbortError') throw cause; // cancelled, not failed
      throw networkError(cause);
    }
    if (!result.response.ok) throw await errorFromResponse(result.response, result.error);
    return { data: result.data, response: result.response };
  }

  return {
    baseUrl,
    openapi,
    async getSession({ signal } = {}) {
      const { data, response } = await send(openapi.GET('/session', { signal }));
      return check(sessionResponseSchema, response, data);
    },
    async listSessions({ signal } = {}) {
      const { data, response } = await send(openapi.GET('/sessions', { signal }));
      return check(sessionListResponseSchema, response, data);
    },
    async endSession(id, { signal } = {}) {
      await send(openapi.DELETE('/sessions/{id}', { params: { path: { id }, header: { 'X-CSRF': '1' } }, signal, parseAs: 'stream' }));
    },
    async logout(request = {}, { signal } = {}) {
      const body = request.everywhere ? { everywhere: true } : undefined;
      const { data, response } = await send(openapi.POST('/auth/logout', { params: { header: { 'X-CSRF': '1' } }, body, signal }));
      return check(logoutResponseSchema, response, data);
    },
    async apiFetch(path, init = {}) {
      if (!/^\/api(\/|\?|$)/.test(path)) throw new TypeError(`apiFetch calls /api/* only, not ${path}`);
      const requestHeaders = new Headers(options.headers);
      new Headers(init.headers).forEach((value, name) => requestHeaders.set(name, value));
      requestHeaders.set(CSRF_HEADER, '1');
      let response: Response;
      try {
        response = await doFetch(`${baseUrl}${path}`, { credentials, ...init, headers: requestHeaders });
      } catch (cause) {
        if (init.signal?.aborted) throw cause;
        throw networkError(cause);
      }
      if (!response.ok) throw await errorFromResponse(response);
      return response;
    },
  };
}
