import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** Request id: `X-Request-Id` when the caller sent a sane one, else a new UUID. */
    id?: string;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

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
    res.setHeader('x-request-id', id);
    const started = performance.now();
    res.once('close', () => {
      const status = res.statusCode;
      const elapsed = performance.now() - started;
      metrics?.observeRequest(req.url ?? '/', status, res.writableFinished, elapsed / 1000, res.route);
      const line = {
        reqId: id,
        method: req.method,
        path: (req.url ?? '').split('?', 1)[0],
        status,
        ms: Math.round(elapsed * 10) / 10,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (status >= 500) log.warn(line, 'request');
      else log.info(line, 'request');
    });
    return id;
  };
}
