/**
 * Failures of calls to the BFF as one error class with a stable `code`: the API's RFC 9457
 * problem details parsed with the shared schema, or a code the client assigns when there are none.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
import { PROBLEM_CONTENT_TYPE, problemDetailsSchema, type ErrorCode, type ProblemDetails } from '@app/shared-types';

/**
 * Codes the client gives failures that carry no problem details of the API: `network_error` (no
 * response at all), `http_error` (a non-2xx without a code of the contract, e.g. from an upstream
 * behind `/api/*`), `invalid_response` (a 2xx whose body is not what the contract says).
 */
export type ClientErrorCode = 'network_error' | 'http_error' | 'invalid_response';

/** A code of the contract (see {@link ErrorCode}) or one the client assigned. */
export type BffErrorCode = ErrorCode | ClientErrorCode;

/** A failed call to the BFF; `status` is 0 when no response arrived. */
export class BffError extends Error {
  override readonly name = 'BffError';
  readonly code: BffErrorCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  /** For `step_up_required`: where to sign in again, recently enough for the route. */
  readonly loginUrl: string | undefined;
  /** The problem details as the API sent them, when it sent some of the contract. */
  readonly problem: ProblemDetails | undefined;

  constructor(
    init: { code: BffErrorCode; status: number; title: string; detail?: string | undefined; loginUrl?: string | undefined; problem?: ProblemDetails | undefined },
    options?: ErrorOptions,
  ) {
    super(init.detail ? `${init.title}: ${init.detail}` : init.title, options);
    this.code = init.code;
    this.status = init.status;
    this.title = init.title;
    this.detail = init.detail;
    this.loginUrl = init.loginUrl;
    this.problem = init.problem;
  }
}

/** True for a {@link BffError}, optionally only one with this HTTP status. */
export function isBffError(error: unknown, status?: number): error is BffError {
  return error instanceof BffError && (status === undefined || error.status === status);
}

/** True when the response says it is `application/problem+json` (parameters allowed). */
export function isProblemResponse(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() === PROBLEM_CONTENT_TYPE;
}

// An upstream behind /api/* may answer problem details with codes of its own: keep its words.
const foreignProblemSchema = problemDetailsSchema.pick({ title: true, detail: true });

/**
 * Turns a non-2xx answer into a {@link BffError}. `body` is the parsed JSON body when the caller
 * already read it; otherwise the body is read here when it is problem+json.
 */
export async function errorFromResponse(response: Response, body?: unknown): Promise<BffError> {
  const fallback = { code: 'http_error' as const, status: response.status, title: response.statusText || `HTTP ${response.status}` };
  if (!isProblemResponse(response)) return new BffError(fallback);
  let json = body;
  if (json === undefined) {
    try {
      json = await response.json();
    } catch (cause) {
      return new BffError(fallback, { cause });
    }
  }
  const parsed = problemDetailsSchema.safeParse(json);
  if (!parsed.success) {
    const foreign = foreignProblemSchema.safeParse(json);
    return new BffError(foreign.success ? { ...fallback, title: foreign.data.title, detail: foreign.data.detail } : fallback);
  }
  const { type, title, status, detail, code, requestId, loginUrl } = parsed.data;
  return new BffError({
    code,
    status: response.status,
    title,
    detail,
    loginUrl: code === 'step_up_required' ? loginUrl : undefined,
    problem: { type, title, status, detail, code, requestId, loginUrl },
  });
}

/** The error of a request that got no response (offline, refused, reset). */
export function networkError(cause: unknown): BffError {
  return new BffError({ code: 'network_error', status: 0, title: 'Network error', detail: 'The server could not be reached.' }, { cause });
}

/** The error of a 2xx answer whose body is not what the contract says. */
export function invalidResponse(response: Response, cause: unknown): BffError {
  return new BffError(
    { code: 'invalid_response', status: response.status, title: 'Unexpected response', detail: `${response.url || 'The server'} answered with an unexpected body.` },
    { cause },
  );
}
