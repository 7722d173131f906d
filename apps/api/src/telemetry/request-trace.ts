import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { SpanParent } from './spans.js';

/**
 * Where a request's trace context is kept: on the `IncomingMessage` itself, not in async context.
 * No `AsyncLocalStorage` is enabled, so a request costs no async hook per promise, sampled or not
 * (docs/benchmarks.md, "Tracing"); the code below a request gets it as a {@link SpanParent}
 * argument ({@link traceOf}).
 */

/** A request's trace context: its SERVER span, and the upstream span while the upstream call runs. */
export interface RequestTrace extends SpanParent {
  upstream: Span | undefined;
}

const TRACE: unique symbol = Symbol('cognito-bff trace');

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by `Tracing.serve` (./request-span.ts) when spans are exported. */
    [TRACE]?: RequestTrace;
  }
}

/** Stores `req`'s trace context (the SERVER span's start, ./request-span.ts). */
export function setRequestTrace(req: IncomingMessage, traced: RequestTrace): void {
  req[TRACE] = traced;
}

/** The request's trace context with its upstream span, set only when spans are exported. */
export function requestTraceOf(req: IncomingMessage): RequestTrace | undefined {
  return req[TRACE];
}

/** The request's place in its trace (set by `Tracing.serve` when spans are exported), to pass down as a parent. */
export function traceOf(req: IncomingMessage): SpanParent | undefined {
  return req[TRACE];
}
