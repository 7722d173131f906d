import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ERROR_STATUS, PROBLEM_CONTENT_TYPE, type ErrorCode, type ProblemDetails } from '@app/shared-types';
import { logError, titleOf, type AppError } from './errors.js';

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
    ...problemHeaders(body),
    ...(req && hasUnreadBody(req) ? { connection: 'close' } : {}),
    ...headers,
  });
  res.end(body);
}

/** Logs an {@link AppError} the one way ({@link logError}) and answers it with {@link sendProblem}. */
export function answerProblem(res: ServerResponse, error: AppError, logger: Logger, fields: Record<string, unknown> = {}, msg?: string): void {
  const requestId = (res as ServerResponse & { req?: IncomingMessage }).req?.id;
  logError(logger, error, requestId ? { reqId: requestId, ...fields } : fields, msg);
  sendProblem(res, error.code, error.detail);
}

/**
 * A whole problem+json response (status line, headers, body) as bytes, for a socket no HTTP
 * response owns: a refused WebSocket upgrade. It says `connection: close`: the socket is closed
 * after it.
 */
export function problemResponse(code: ErrorCode, detail?: string, headers: Record<string, string> = {}, members?: ProblemMembers): Buffer {
  const status = ERROR_STATUS[code];
  const body = JSON.stringify(problemBody(code, detail, members));
  const fields = { ...problemHeaders(body), connection: 'close', ...headers };
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, ...Object.entries(fields).map(([name, value]) => `${name}: ${value}`)];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** The headers every problem answer carries, whatever writes it. */
function problemHeaders(body: string): Record<string, string | number> {
  return { 'content-type': PROBLEM_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' };
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
