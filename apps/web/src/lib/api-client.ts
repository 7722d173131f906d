/**
 * The one way this app talks to the BFF: same-origin fetch, the session cookie, `X-CSRF: 1`
 * on every call, and RFC 9457 problem details turned into a typed {@link ApiError}.
 * @see ../../../../shared/docs/contract.md
 */
import type { ErrorCode, ProblemDetails } from '@app/shared-types';
import { CSRF_HEADER, ERROR_STATUS, PROBLEM_CONTENT_TYPE } from '@app/shared-types';

/**
 * Codes the client gives failures that carry no problem details of the API:
 * `network_error` (no response at all), `http_error` (a non-2xx without a known problem code),
 * `invalid_response` (a 2xx whose body is not what was expected).
 */
export type ClientErrorCode = 'network_error' | 'http_error' | 'invalid_response';

/** Either a code the API answered or one the client assigned. */
export type ApiErrorCode = ErrorCode | ClientErrorCode;

/** A failed call to the BFF; `status` is 0 when no response arrived. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;

  constructor(init: { code: ApiErrorCode; status: number; title: string; detail?: string }, options?: ErrorOptions) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title, options);
    this.code = init.code;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
  }
}

/** True for an {@link ApiError} with the given HTTP status. */
export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

function isProblemDetails(value: unknown): value is ProblemDetails {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return typeof body.title === 'string' && typeof body.status === 'number';
}

function isProblemResponse(response: Response): boolean {
  const type = response.headers.get('content-type') ?? '';
  return type.split(';')[0]?.trim().toLowerCase() === PROBLEM_CONTENT_TYPE;
}

/** Sends one request to the BFF; rejects only with an {@link ApiError} of code `network_error`. */
export async function sendRequest(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set(CSRF_HEADER, '1');
  try {
    return await fetch(path, { ...init, headers, credentials: 'include' });
  } catch (cause) {
    if (init.signal?.aborted) throw cause; // a cancelled query is not a failure to report
    throw new ApiError(
      { code: 'network_error', status: 0, title: 'Network error', detail: 'The server could not be reached.' },
      { cause },
    );
  }
}

/** Turns a non-2xx response into an {@link ApiError}, reading problem details when present. */
export async function toApiError(response: Response): Promise<ApiError> {
  const fallback = { code: 'http_error' as const, status: response.status, title: response.statusText || `HTTP ${response.status}` };
  if (!isProblemResponse(response)) return new ApiError(fallback);
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    return new ApiError(fallback, { cause });
  }
  if (!isProblemDetails(body)) return new ApiError(fallback);
  // An upstream behind /api/* may answer problem details with codes of its own.
  const code = isErrorCode(body.code) ? body.code : 'http_error';
  return new ApiError({ code, status: response.status, title: body.title, ...(body.detail ? { detail: body.detail } : {}) });
}

/** Sends a request and resolves with the response only when it is 2xx. */
export async function request(path: string, init?: RequestInit): Promise<Response> {
  const response = await sendRequest(path, init);
  if (!response.ok) throw await toApiError(response);
  return response;
}

/** Reads a 2xx body as JSON and hands it to `parse`, which throws on an unexpected shape. */
export async function readJson<T>(response: Response, parse: (body: unknown) => T): Promise<T> {
  try {
    return parse(await response.json());
  } catch (cause) {
    throw new ApiError(
      { code: 'invalid_response', status: response.status, title: 'Unexpected response', detail: `${response.url || 'The server'} answered with an unexpected body.` },
      { cause },
    );
  }
}

/** `GET` a JSON resource. */
export async function getJson<T>(path: string, parse: (body: unknown) => T, init?: RequestInit): Promise<T> {
  return readJson(await request(path, { ...init, method: 'GET' }), parse);
}

/** `POST` (no body unless given) and read the JSON answer. */
export async function postJson<T>(path: string, parse: (body: unknown) => T, init?: RequestInit): Promise<T> {
  return readJson(await request(path, { ...init, method: 'POST' }), parse);
}
