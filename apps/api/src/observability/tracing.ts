import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  context,
  createContextKey,
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  RandomIdGenerator,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { Redis } from '../redis/client.js';
import { routeGroup } from './route-group.js';
import type { SamplerName, TracingSettings } from './tracing-config.js';

/**
 * The BFF's tracing (contract: "Tracing"). W3C Trace Context always: the upstream gets a
 * `traceparent` of the caller's trace with the BFF's own span as parent, never the caller's header
 * unchanged. Spans only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set: one
 * SERVER span per request, CLIENT spans for Redis commands, IdP grants and the upstream call,
 * exported over OTLP/HTTP. Instrumented by hand at those few points (no auto-instrumentation: it
 * would double the spans and cost every request).
 *
 * The tracer provider belongs to one {@link Tracing} (not registered globally), so one process can
 * run several BFFs with their own settings (tests do); the tracer travels in the active context.
 * Attributes name routes, methods, status codes and outcomes only: never a path's query, a header,
 * a Redis key or argument, a token, a cookie, a code or a secret.
 */
export interface Tracing {
  /** Whether spans are recorded and exported (an endpoint is configured). */
  readonly enabled: boolean;
  /** Wraps the request listener in a SERVER span (child of the caller's `traceparent`); off: the listener itself. */
  serve(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void;
  /** Runs one upstream call in a CLIENT span, the parent `traceparent` the upstream gets. */
  upstreamCall<T>(req: IncomingMessage, res: ServerResponse, origin: string, call: () => Promise<T>): Promise<T>;
  /** The Redis client, with a CLIENT span per command issued inside a recorded request; off: the client itself. */
  instrumentRedis(redis: Redis): Redis;
  /** Flushes the spans still queued and stops exporting (graceful shutdown, tests). */
  shutdown(): Promise<void>;
}

const TRACER = createContextKey('cognito-bff tracer');
const w3c = new W3CTraceContextPropagator();
const ids = new RandomIdGenerator();
let contextManagerInstalled = false;

/** Builds the tracing of one BFF: exporting per `settings`, or propagation only when they are absent. */
export function createTracing(settings: TracingSettings | undefined, logger: Logger, serveWeb = false): Tracing {
  if (!settings) return PROPAGATION_ONLY;
  if (!contextManagerInstalled) {
    // Async context is what makes the Redis and IdP spans children of their request's span; it is
    // process-wide, and installed only once some BFF exports spans.
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    diag.setLogger(diagToPino(logger), DiagLogLevel.WARN);
    contextManagerInstalled = true;
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    sampler: samplerOf(settings.sampler, settings.ratio),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl }), settings.batch)],
  });
  return new ExportingTracing(provider, provider.getTracer('cognito-bff'), serveWeb);
}

/** Tracing off: nothing recorded, the caller's trace still relayed to the upstream (see {@link traceHeaders}). */
const PROPAGATION_ONLY: Tracing = {
  enabled: false,
  serve: (handler) => handler,
  upstreamCall: (_req, _res, _origin, call) => call(),
  instrumentRedis: (redis) => redis,
  shutdown: () => Promise.resolve(),
};

class ExportingTracing implements Tracing {
  readonly enabled = true;

  constructor(
    private readonly provider: BasicTracerProvider,
    private readonly tracer: Tracer,
    private readonly serveWeb: boolean,
  ) {}

  serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    return (req: IncomingMessage, res: ServerResponse) => {
      const parent = w3c.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const method = req.method ?? 'GET';
      const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
      if (span.isRecording()) res.once('close', () => this.#endServerSpan(span, req, res));
      context.with(trace.setSpan(parent, span).setValue(TRACER, this.tracer), handler, undefined, req, res);
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

  async upstreamCall<T>(req: IncomingMessage, res: ServerResponse, origin: string, call: () => Promise<T>): Promise<T> {
    const active = context.active();
    if (active.getValue(TRACER) === undefined) return call();
    const url = new URL(origin);
    const method = req.method ?? 'GET';
    // started even when the request is not sampled: its (non-recording) id is the upstream's parent
    const span = this.tracer.startSpan(
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
      active,
    );
    try {
      return await context.with(trace.setSpan(active, span), call);
    } finally {
      if (span.isRecording()) {
        // the upstream's status, or the BFF's own 502/504/408 when the call failed
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    }
  }

  instrumentRedis(redis: Redis): Redis {
    return new Proxy(redis, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function' || typeof prop !== 'string') return value;
        return (...args: unknown[]) => {
          const tracer = recordingTracer();
          if (!tracer) return (value as (...a: unknown[]) => unknown).apply(target, args);
          const startTime = Date.now();
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) return result;
          // the command's name only: keys hold session ids and arguments hold sealed tokens
          const command = (prop === 'sendCommand' && Array.isArray(args[0]) ? String(args[0][0]) : prop).toUpperCase();
          const span = tracer.startSpan(
            `redis ${command}`,
            { kind: SpanKind.CLIENT, startTime, attributes: { 'db.system.name': 'redis', 'db.operation.name': command } },
            context.active(),
          );
          return result.then(
            (v: unknown) => {
              span.end();
              return v;
            },
            (err: unknown) => {
              failed(span, err);
              span.end();
              throw err;
            },
          );
        };
      },
    });
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** The tracer of the request being served, when its span is recorded (children of unsampled requests are skipped). */
function recordingTracer(): Tracer | undefined {
  const active = context.active();
  const tracer = active.getValue(TRACER) as Tracer | undefined;
  return tracer && trace.getSpan(active)?.isRecording() ? tracer : undefined;
}

/**
 * Runs one call to the identity provider (`grant`: `refresh_token`, `client_credentials`,
 * `authorization_code`, `revocation`) in a CLIENT span of the current request; outside a recorded
 * request, just runs it.
 */
export async function idpSpan<T>(grant: string, call: () => Promise<T>): Promise<T> {
  const tracer = recordingTracer();
  if (!tracer) return call();
  return tracer.startActiveSpan(`oauth2 ${grant}`, { kind: SpanKind.CLIENT, attributes: { 'oauth2.grant_type': grant } }, async (span) => {
    try {
      return await call();
    } catch (err) {
      failed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * Writes `traceparent` (and `tracestate`) for an upstream request into `out`. Inside a span (tracing
 * on), that span is the parent. Tracing off: the caller's trace is relayed with a new parent id and
 * the caller's sampling flag, so the upstream joins the caller's trace; without a valid caller
 * `traceparent`, nothing is written (the upstream starts its own trace, as it would without the BFF).
 * The caller's own headers are never forwarded as they are (headers.ts drops them).
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export function traceHeaders(headers: IncomingHttpHeaders, out: Record<string, string | string[]>): void {
  const active = context.active();
  if (trace.getSpan(active)) return w3c.inject(active, out, defaultTextMapSetter);
  if (headers.traceparent === undefined) return;
  const caller = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));
  if (!caller) return;
  const relayed = trace.setSpanContext(ROOT_CONTEXT, { ...caller, spanId: ids.generateSpanId(), isRemote: false });
  w3c.inject(relayed, out, defaultTextMapSetter);
}

function failed(span: Span, err: unknown) {
  // a kind or a class name: error messages may quote what a server answered
  const kind = (err as { kind?: unknown }).kind;
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute('error.type', typeof kind === 'string' ? kind : err instanceof Error ? err.name : 'error');
  const oauthError = (err as { oauthError?: unknown }).oauthError;
  if (typeof oauthError === 'string' && /^[\w.-]{1,64}$/.test(oauthError)) span.setAttribute('oauth2.error', oauthError);
}

function samplerOf(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** The SDK's own warnings (an unreachable collector, a full queue) as log lines. */
function diagToPino(logger: Logger) {
  const log = (level: 'warn' | 'error' | 'info' | 'debug') => (message: string) => logger[level]({ event: 'tracing' }, message);
  return { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), verbose: log('debug') };
}
