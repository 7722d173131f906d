/** Sampler names of `OTEL_TRACES_SAMPLER` the BFF understands (the SDK's built-in ones). */
export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];
/** The sampler when `OTEL_TRACES_SAMPLER` is unset: the trace id and `OTEL_TRACES_SAMPLER_ARG` (default 1) decide, never the caller. */
export const DEFAULT_SAMPLER: SamplerName = 'traceidratio';

/** What the tracer provider is built from; present only when spans are exported. */
export interface TracingSettings {
  /** Full URL spans are POSTed to (OTLP/HTTP, JSON encoding). */
  tracesUrl: string;
  sampler: SamplerName;
  /** `OTEL_TRACES_SAMPLER_ARG` for the ratio samplers (default 1). */
  ratio: number;
  serviceName: string;
  /** `OTEL_BSP_*`: batch span processor tunables; unset ones keep the SDK's defaults. */
  batch: { scheduledDelayMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number; exportTimeoutMillis?: number };
}

const BATCH_VARIABLES = {
  OTEL_BSP_SCHEDULE_DELAY: 'scheduledDelayMillis',
  OTEL_BSP_MAX_QUEUE_SIZE: 'maxQueueSize',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'maxExportBatchSize',
  OTEL_BSP_EXPORT_TIMEOUT: 'exportTimeoutMillis',
} as const;

/**
 * Reads OpenTelemetry's standard variables from `env` (the configuration's source, so tests can
 * pass their own): spans are exported only when `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is)
 * or `OTEL_EXPORTER_OTLP_ENDPOINT` (plus `/v1/traces`) is set, and not with `OTEL_SDK_DISABLED=true`
 * or `OTEL_TRACES_EXPORTER=none`. Problems are appended to `problems` (start-up fails on any).
 * @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 */
export function tracingSettings(env: NodeJS.ProcessEnv, problems: string[]): TracingSettings | undefined {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporter = value('OTEL_TRACES_EXPORTER')?.toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter !== undefined && exporter !== 'otlp') problems.push('OTEL_TRACES_EXPORTER: only "otlp" (or "none") is supported');
  const protocol = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol !== undefined && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; the BFF exports OTLP over HTTP (JSON encoding)`);
  }

  const specific = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesUrl = specific ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (tracesUrl === undefined) return undefined;
  if (!URL.canParse(tracesUrl) || !/^https?:$/.test(new URL(tracesUrl).protocol)) {
    problems.push(`${specific ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'}: must be an http(s) URL`);
  }

  // the BFF is the edge: unless a parent-based sampler is asked for by name, a caller's sampled
  // flag lends nothing but its trace id, and the ratio alone decides (contract: "Tracing")
  const sampler = (value('OTEL_TRACES_SAMPLER') ?? DEFAULT_SAMPLER).toLowerCase() as SamplerName;
  if (!SAMPLERS.includes(sampler)) problems.push(`OTEL_TRACES_SAMPLER: must be one of ${SAMPLERS.join(', ')}`);
  const arg = value('OTEL_TRACES_SAMPLER_ARG');
  const ratio = arg === undefined ? 1 : Number(arg);
  if (!(ratio >= 0 && ratio <= 1)) problems.push('OTEL_TRACES_SAMPLER_ARG: must be a number between 0 and 1');

  const batch: TracingSettings['batch'] = {};
  for (const [name, key] of Object.entries(BATCH_VARIABLES)) {
    const raw = value(name);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) problems.push(`${name}: must be a positive integer`);
    else batch[key] = n;
  }
  return { tracesUrl, sampler, ratio, serviceName: value('OTEL_SERVICE_NAME') ?? 'cognito-bff', batch };
}
