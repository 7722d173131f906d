import { randomUUID } from 'node:crypto';
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import { symbols, type Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** Request id: `X-Request-Id` when the caller sent a sane one, else a new UUID. */
    id?: string;
  }
}

/**
 * Sets `X-Request-Id` on the response now: for handlers that set headers one by one anyway
 * (Express replaces the response's prototype, so {@link TracedResponse.writeHead} would not run).
 */
export function echoRequestIdNow(res: ServerResponse): void {
  if (res instanceof TracedResponse && res.requestId !== undefined) {
    res.setHeader('x-request-id', res.requestId);
    res.requestId = undefined;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The response class of the API's server (http-server.ts): it writes `X-Request-Id` into the
 * headers passed to `writeHead` instead of the logger calling `res.setHeader` first. A header set
 * before `writeHead` sends Node down its slow path (every header of `writeHead` merged one by
 * one through `setHeader`); on the proxy path no other header is set early, so the fast path holds.
 */
export class TracedResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
  /** Echoed as `X-Request-Id` when the head is written, unless the head already carries one. */
  requestId: string | undefined = undefined;

  override writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    const id = this.requestId;
    if (id !== undefined) {
      this.requestId = undefined;
      const given = typeof reason === 'string' ? headers : reason;
      if (given !== undefined && !Array.isArray(given)) {
        if ((given as OutgoingHttpHeaders)['x-request-id'] === undefined) (given as OutgoingHttpHeaders)['x-request-id'] = id;
      } else if (!this.hasHeader('x-request-id')) this.setHeader('x-request-id', id);
    }
    // the overloads of ServerResponse.writeHead, passed through as called
    return typeof reason === 'string' ? super.writeHead(statusCode, reason, headers) : super.writeHead(statusCode, reason as OutgoingHttpHeaders);
  }
}

/**
 * One log line per request (id, method, path without query, status, duration) and the request
 * id echoed in `X-Request-Id`. The line is serialised by hand and written straight to the
 * logger's destination, in the exact shape pino gives (`level`, `time`, the logger's bindings,
 * then the fields and `msg`): pino's generic path (a child logger, serializers, redaction,
 * `JSON.stringify` of an object) cost several µs per request (docs/benchmarks.md). Every field
 * is one the code decides: the id matches {@link REQUEST_ID} or is a UUID, the method is one
 * Node's parser accepted, the path is JSON-escaped. Headers are never logged, so no cookie or
 * token can reach the log. The same measurement feeds the latency histogram of `metrics` (in
 * memory, no I/O).
 */
export function requestLogger(logger: Logger, metrics?: Pick<Metrics, 'observeRequest'>) {
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown }>)[symbols.streamSym]!;
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  const fields = bindings ? `${bindings},"reqId":"` : '"reqId":"';
  const info = logger.levels.values.info!;
  const warn = logger.levels.values.warn!;
  return (req: IncomingMessage, res: ServerResponse): string => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    if (res instanceof TracedResponse) res.requestId = id;
    else res.setHeader('x-request-id', id); // a server not made by createHttpServer (supertest)
    const started = performance.now();
    res.on('close', () => {
      const status = res.statusCode;
      const elapsed = performance.now() - started;
      const finished = res.writableFinished;
      metrics?.observeRequest(req.url ?? '/', status, finished, elapsed / 1000, res.route);
      const level = status >= 500 ? warn : info;
      if (level < logger.levelVal) return;
      const url = req.url ?? '';
      const query = url.indexOf('?');
      stream.write(
        `{"level":${level},"time":${Date.now()},${fields}${id}","method":"${req.method}","path":${JSON.stringify(query < 0 ? url : url.slice(0, query))},"status":${status},"ms":${Math.round(elapsed * 10) / 10}${finished ? '' : ',"aborted":true'},"msg":"request"}\n`,
      );
    });
    return id;
  };
}
