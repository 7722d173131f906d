import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  defaultTextMapGetter,
  diag,
  DiagLogLevel,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
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
import { routeGroup } from './route-group.js';
import type { SamplerName, TracingSettings } from '../config/tracing-config.js';

/**
 * The BFF's tracing (contract: "Tracing"). W3C Trace Context always: the upstream gets a
 * `traceparent` of the caller's trace with the BFF's own span as parent, never the caller's header
 * unchanged. Spans only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set: one
 * SERVER span per request, CLIENT spans for the session read, the refresh's Redis steps, IdP grants
 * and the upstream call, exported over OTLP/HTTP. Instrumented by hand at those few points (no
 * auto-instrumentation: it would double the spans and cost every request).
 *
 * The trace context travels with the request, not in async context: {@link Tracing.serve} stores
 * it on the `IncomingMessage` ({@link traceOf}), and the code below a request passes it on as a
 * {@link SpanParent} argument. No `AsyncLocalStorage` is enabled, so a request costs no async hook
 * per promise, sampled or not (docs/benchmarks.md, "Tracing").
 *
 * The tracer provider belongs to one {@link Tracing} (not registered globally), so one process can
 * run several BFFs with their own settings (tests do). Attributes name routes, methods, status
 * codes and outcomes only: never a path's query, a header, a Redis key or argument, a token, a
 * cookie, a code or a secret.
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

/**
 * Where a piece of work hangs in its request's trace: the span it is a child of. Passed as an
 * optional argument to the services a request calls (refresh, client tokens, the IdP); `undefined`
 * (tracing off, or work outside a request) means no span.
 */
export interface SpanParent {
  /** The parent span; it records only when the request is sampled. Unsampled, its id is still the upstream's parent. */
  readonly span: Span;
  /** The tracer children are made with; set only when {@link SpanParent.span} records. */
  readonly tracer: Tracer | undefined;
}

/** A request's trace context: its SERVER span, and the upstream span while the upstream call runs. */
interface RequestTrace extends SpanParent {
  upstream: Span | undefined;
}

const TRACE: unique symbol = Symbol('cognito-bff trace');

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by {@link Tracing.serve} when spans are exported. */
    [TRACE]?: RequestTrace;
  }
}

const w3c = new W3CTraceContextPropagator();
const ids = new RandomIdGenerator();
let diagInstalled = false;

/** Builds the tracing of one BFF: exporting per `settings`, or propagation only when they are absent. */
export function createTracing(settings: TracingSettings | undefined, logger: Logger, serveWeb = false): Tracing {
  if (!settings) return PROPAGATION_ONLY;
  if (!diagInstalled) {
    diag.setLogger(diagToPino(logger), DiagLogLevel.WARN);
    diagInstalled = true;
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
  child: (_req, _name, _attributes, call) => call(),
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
      // no traceparent (most requests behind a browser): no parsing, the root context as is
      const parent = req.headers.traceparent === undefined ? ROOT_CONTEXT : w3c.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const method = req.method ?? 'GET';
      // unsampled, the SDK answers a non-recording span: ids only, and its id is the upstream's parent
      const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
      const recording = span.isRecording();
      req[TRACE] = { span, tracer: recording ? this.tracer : undefined, upstream: undefined };
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
    const traced = req[TRACE];
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
    return inSpan(req[TRACE], name, SpanKind.CLIENT, attributes, call);
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** The request's place in its trace (set by {@link Tracing.serve} when spans are exported), to pass down as a parent. */
export function traceOf(req: IncomingMessage): SpanParent | undefined {
  return req[TRACE];
}

/**
 * Runs `call` in a span named `name`, child of `parent` when `parent` is recorded; otherwise just
 * runs it (children of unsampled requests would be dropped anyway). `call` gets the new span as
 * the parent of its own children.
 */
export function inSpan<T>(
  parent: SpanParent | undefined,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  call: (self: SpanParent | undefined) => Promise<T>,
): Promise<T> {
  // not async: an unsampled request's call gets no extra promise around it
  return parent?.tracer ? recorded(parent.tracer, parent.span, name, kind, attributes, call) : call(parent);
}

async function recorded<T>(tracer: Tracer, parent: Span, name: string, kind: SpanKind, attributes: Attributes, call: (self: SpanParent) => Promise<T>): Promise<T> {
  const span = tracer.startSpan(name, { kind, attributes }, trace.setSpan(ROOT_CONTEXT, parent));
  try {
    return await call({ span, tracer });
  } catch (err) {
    failed(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Runs `call` in an INTERNAL span child of `parent` (work of the BFF's own, like a background refresh); `call` gets it as its children's parent. */
export function internalSpan<T>(parent: SpanParent | undefined, name: string, call: (self: SpanParent | undefined) => Promise<T>): Promise<T> {
  return inSpan(parent, name, SpanKind.INTERNAL, {}, call);
}

/** Runs one Redis command (or script) of a request in a CLIENT span named after the command only: keys hold session ids, arguments sealed tokens. */
export function redisSpan<T>(parent: SpanParent | undefined, command: string, call: () => Promise<T>): Promise<T> {
  if (!parent?.tracer) return call();
  return inSpan(parent, `redis ${command}`, SpanKind.CLIENT, redisAttributes(command), call);
}

const redisAttributesOf = new Map<string, Attributes>();

/**
 * The request path's read of a session (token-store.ts `readForRequest`): `HMGET v t s` of a
 * record the process knows, `HGETALL` when it does not or the record changed; so the span names
 * no single command.
 */
export const SESSION_READ_SPAN = 'redis session read';
export const SESSION_READ_ATTRIBUTES: Attributes = Object.freeze({ 'db.system.name': 'redis' });

/** Attributes of a span around a Redis command; built once per command, so call sites may ask on every request. */
export function redisAttributes(command: string): Attributes {
  let attributes = redisAttributesOf.get(command);
  if (!attributes) {
    attributes = Object.freeze({ 'db.system.name': 'redis', 'db.operation.name': command });
    redisAttributesOf.set(command, attributes);
  }
  return attributes;
}

/**
 * Runs one call to the identity provider (`grant`: `refresh_token`, `client_credentials`,
 * `authorization_code`, `revocation`) in a CLIENT span, child of `parent`; without a recorded
 * parent, just runs it.
 */
export function idpSpan<T>(parent: SpanParent | undefined, grant: string, call: () => Promise<T>): Promise<T> {
  if (!parent?.tracer) return call();
  return inSpan(parent, `oauth2 ${grant}`, SpanKind.CLIENT, { 'oauth2.grant_type': grant }, call);
}

/**
 * Writes `traceparent` for an upstream request into `out` (never a caller's `tracestate`). With spans exported,
 * the request's upstream span (sampled) or its non-recording server span (unsampled) is the
 * parent. Tracing off (and WebSocket handshakes, which are not served through
 * {@link Tracing.serve}): the caller's trace is relayed with a new parent id and the caller's
 * sampling flag, so the upstream joins the caller's trace; without a valid caller `traceparent`,
 * nothing is written (the upstream starts its own trace, as it would without the BFF). The
 * caller's own headers are never forwarded as they are (headers.ts drops them).
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export function traceHeaders(req: IncomingMessage, out: Record<string, string | string[]>): void {
  const traced = req[TRACE];
  if (traced) return writeTraceContext((traced.upstream ?? traced.span).spanContext(), out);
  if (req.headers.traceparent === undefined) return;
  const caller = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter));
  if (!caller) return;
  writeTraceContext({ ...caller, spanId: ids.generateSpanId(), isRemote: false }, out);
}

function writeTraceContext(context: SpanContext, out: Record<string, string | string[]>) {
  if (!isSpanContextValid(context)) return;
  out.traceparent = `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  // no `tracestate`: the BFF has none of its own, and a caller's is the caller's to say (contract: "Tracing")
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
