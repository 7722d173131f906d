import type { IncomingMessage } from 'node:http';
import { defaultTextMapGetter, isSpanContextValid, ROOT_CONTEXT, trace, type Context, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { requestTraceOf } from './request-trace.js';

/**
 * W3C Trace Context in and out (contract: "Tracing"), always, spans exported or not: the upstream
 * gets a `traceparent` of the caller's trace with the BFF's own span as parent, never the caller's
 * header unchanged, and never a `tracestate`.
 * @see https://www.w3.org/TR/trace-context/
 */

const w3c = new W3CTraceContextPropagator();
const ids = new RandomIdGenerator();

/** The caller's trace context from `req`'s `traceparent`; the root context when it sent none (most requests behind a browser: no parsing). */
export function callerContext(req: IncomingMessage): Context {
  return req.headers.traceparent === undefined ? ROOT_CONTEXT : w3c.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
}

/**
 * Writes `traceparent` for an upstream request into `out` (never a caller's `tracestate`). With spans exported,
 * the request's upstream span (sampled) or its non-recording server span (unsampled) is the
 * parent. Tracing off (and WebSocket handshakes, which are not served through
 * `Tracing.serve`): the caller's trace is relayed with a new parent id and the caller's
 * sampling flag, so the upstream joins the caller's trace; without a valid caller `traceparent`,
 * nothing is written (the upstream starts its own trace, as it would without the BFF). The
 * caller's own headers are never forwarded as they are (headers.ts drops them).
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export function traceHeaders(req: IncomingMessage, out: Record<string, string | string[]>): void {
  const traced = requestTraceOf(req);
  if (traced) return writeTraceContext((traced.upstream ?? traced.span).spanContext(), out);
  if (req.headers.traceparent === undefined) return;
  const caller = trace.getSpanContext(callerContext(req));
  if (!caller) return;
  writeTraceContext({ ...caller, spanId: ids.generateSpanId(), isRemote: false }, out);
}

function writeTraceContext(context: SpanContext, out: Record<string, string | string[]>) {
  if (!isSpanContextValid(context)) return;
  out.traceparent = `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  // no `tracestate`: the BFF has none of its own, and a caller's is the caller's to say (contract: "Tracing")
}
