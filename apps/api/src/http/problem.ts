import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_STATUS, PROBLEM_CONTENT_TYPE, type ErrorCode, type ProblemDetails } from '@app/shared-types';
import { titleOf } from './errors.js';

/** Builds an RFC 9457 problem body for a stable error code. @see https://www.rfc-editor.org/rfc/rfc9457 */
export function problemBody(code: ErrorCode, detail?: string, members?: ProblemMembers): ProblemDetails {
  return {
    type: `https://cognito-bff.dev/problems/${code.replaceAll('_', '-')}`,
    title: titleOf(code),
    status: ERROR_STATUS[code],
    ...(detail ? { detail } : {}),
    code,
    ...members,
  };
}

/** Extension members a problem may carry (RFC 9457 §3.2): `step_up_required`'s `loginUrl`. */
export type ProblemMembers = Pick<ProblemDetails, 'loginUrl'>;

/**
 * Writes a problem+json answer on a raw Node response (used by the fast path and by the
 * Express error sink alike, so there is one shape). Once headers are out it can only cut the
 * connection. When the request's body has not been read to its end, the answer closes the
 * connection: otherwise Node would read (and discard) the rest of the body to reuse the
 * connection, and a refused 10 GB upload would still cost 10 GB of reading.
 */
export function sendProblem(
  res: ServerResponse,
  code: ErrorCode,
  detail?: string,
  headers: Record<string, string> = {},
  members?: ProblemMembers,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const req = (res as ServerResponse & { req?: IncomingMessage }).req;
  // the request id (set by the request logger) lets a client's bug report be matched to the log
  const requestId = req?.id;
  const body = JSON.stringify({ ...problemBody(code, detail, members), ...(requestId ? { requestId } : {}) });
  res.writeHead(ERROR_STATUS[code], {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...(req && hasUnreadBody(req) ? { connection: 'close' } : {}),
    ...headers,
  });
  res.end(body);
}

/** Writes a small JSON answer on a raw Node response. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** True while a request announced a body that has not been read to its end. */
function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.complete) return false;
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}
