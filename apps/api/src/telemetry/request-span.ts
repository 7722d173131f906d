import type { IncomingMessage, ServerResponse } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { callerContext } from './propagation.js';
import { requestTraceOf, setRequestTrace, type RequestTrace } from './request-trace.js';
import { routeGroup } from './route-group.js';
import { inSpan } from './spans.js';

/**
 * A request's own spans: one SERVER span per request (child of the caller's `traceparent`) and a
 * CLIENT span around its upstream call. Attributes name routes, methods, status codes and
 * outcomes only: never a path's query, a header, a token, a cookie, a code or a secret.
 */
export interface Tracing {
  /** Whether spans are recorded and exported (an endpoint is configured). */
  readonly enabled: boolean;
  /** Wraps the request listener: a SERVER span (child of the caller's `traceparent`) stored on the request; off: the listener itself. */
  serve(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void;
  /** Runs one upstream call in a CLIENT span, the parent `traceparent` the upstream gets. */
  upstreamCall<T>(req: IncomingMessage, res: ServerResponse, origin: string, call: () => Promise<T>): Promise<T>;
  /** Runs `call` in a CLIENT span child of `req`'s span when `req` is sampled; otherwise just runs it. */
  child<T>(req: IncomingMessage, name: string, attributes: Attributes, call: () => Promise<T>): Promise<T>;
  /** Flushes the spans still queued and stops exporting (graceful shutdown, tests). */
  shutdown(): Promise<void>;
}

/** Tracing off: nothing recorded, the caller's trace still relayed to the upstream (see `traceHeaders`, ./propagation.ts). */
export const PROPAGATION_ONLY: Tracing = {
  enabled: false,
  serve: (handler) => handler,
  upstreamCall: (_req, _res, _origin, call) => call(),
  child: (_req, _name, _attributes, call) => call(),
  shutdown: () => Promise.resolve(),
};

/** Spans recorded with `tracer` (of a provider ./tracing-sdk.ts built), `shutdown` flushing them. */
export class ExportingTracing implements Tracing {
  readonly enabled = true;

  constructor(
    private readonly tracer: Tracer,
    private readonly serveWeb: boolean,
    private readonly stop: () => Promise<void>,
  ) {}

  serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    return (req: IncomingMessage, res: ServerResponse) => {
      const method = req.method ?? 'GET';
      // unsampled, the SDK answers a non-recording span: ids only, and its id is the upstream's parent
      const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, callerContext(req));
      const recording = span.isRecording();
      setRequestTrace(req, { span, tracer: recording ? this.tracer : undefined, upstream: undefined });
      if (recording) res.once('close', () => this.#endServerSpan(span, req, res));
      handler(req, res);
    };
  }

  #endServerSpan(span: Span, req: IncomingMessage, res: ServerResponse) {
    // the matched route prefix (a bounded set), never the raw path: it may hold ids, and the query anything
    const group = routeGroup(req.url ?? '/', this.serveWeb);
    span.updateName(`${req.method ?? 'GET'} ${res.route ?? group}`);
    span.setAttributes({
      'bff.route_group': group,
      'http.response.status_code': res.statusCode,
      ...(res.route ? { 'http.route': res.route } : {}),
      ...(req.id ? { 'bff.request_id': req.id } : {}),
      ...(res.writableFinished ? {} : { 'bff.aborted': true }),
    });
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  upstreamCall<T>(req: IncomingMessage, res: ServerResponse, origin: string, call: () => Promise<T>): Promise<T> {
    const traced = requestTraceOf(req);
    // unsampled: no span of its own (and no extra promise), the server span's id is the upstream's parent (traceHeaders)
    return traced?.tracer ? this.#tracedUpstreamCall(traced, traced.tracer, req, res, origin, call) : call();
  }

  async #tracedUpstreamCall<T>(traced: RequestTrace, tracer: Tracer, req: IncomingMessage, res: ServerResponse, origin: string, call: () => Promise<T>): Promise<T> {
    const url = new URL(origin);
    const method = req.method ?? 'GET';
    const span = tracer.startSpan(
      `${method} upstream`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'http.request.method': method,
          'server.address': url.hostname,
          'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          ...(res.route ? { 'http.route': res.route } : {}),
        },
      },
      trace.setSpan(ROOT_CONTEXT, traced.span),
    );
    traced.upstream = span; // what traceHeaders names as the upstream's parent
    try {
      return await call();
    } finally {
      traced.upstream = undefined;
      // the upstream's status, or the BFF's own 502/504/408 when the call failed
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  }

  child<T>(req: IncomingMessage, name: string, attributes: Attributes, call: () => Promise<T>): Promise<T> {
    return inSpan(requestTraceOf(req), name, SpanKind.CLIENT, attributes, call);
  }

  shutdown(): Promise<void> {
    return this.stop();
  }
}
