import { randomUUID } from 'node:crypto';
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
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
 * id echoed in `X-Request-Id`. Hand-rolled rather than pino-http: pino-http builds a child logger
 * and runs serializers for every request, which cost a third of the proxy's throughput
 * (docs/benchmarks.md). Headers are never logged, so no cookie or token can reach the log. The same
 * measurement feeds the latency histogram of `metrics` (in memory, no I/O).
 */
export function requestLogger(logger: Logger, metrics?: Pick<Metrics, 'observeRequest'>) {
  // the request line holds no header or token, so it skips the redaction pass (a measurable cost per request)
  const log = logger.child({}, { redact: { paths: [] } });
  return (req: IncomingMessage, res: ServerResponse): string => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    if (res instanceof TracedResponse) res.requestId = id;
    else res.setHeader('x-request-id', id); // a server not made by createHttpServer (supertest)
    const started = performance.now();
    res.once('close', () => {
      const status = res.statusCode;
      const elapsed = performance.now() - started;
      metrics?.observeRequest(req.url ?? '/', status, res.writableFinished, elapsed / 1000, res.route);
      const url = req.url ?? '';
      const query = url.indexOf('?');
      const line = {
        reqId: id,
        method: req.method,
        path: query < 0 ? url : url.slice(0, query),
        status,
        ms: Math.round(elapsed * 10) / 10,
        aborted: res.writableFinished ? undefined : true,
      };
      if (status >= 500) log.warn(line, 'request');
      else log.info(line, 'request');
    });
    return id;
  };
}
