import { diag, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { SamplerName, TracingSettings } from '../config/tracing-config.js';
import { ExportingTracing, PROPAGATION_ONLY, type Tracing } from './request-span.js';

/**
 * The BFF's tracing (contract: "Tracing"), set up: W3C Trace Context always (./propagation.ts);
 * spans only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set: one SERVER span
 * per request (./request-span.ts), CLIENT spans for the session read, the refresh's Redis steps,
 * IdP grants and the upstream call (./spans.ts), exported over OTLP/HTTP. Instrumented by hand at
 * those few points (no auto-instrumentation: it would double the spans and cost every request).
 *
 * The tracer provider belongs to one {@link Tracing} (not registered globally), so one process can
 * run several BFFs with their own settings (tests do).
 */

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
  return new ExportingTracing(provider.getTracer('cognito-bff'), serveWeb, () => provider.shutdown());
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
