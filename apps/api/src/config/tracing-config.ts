import { z } from 'zod';
import { optional, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** Sampler names of `OTEL_TRACES_SAMPLER` the BFF understands (the SDK's built-in ones). */
export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];
/** The sampler when `OTEL_TRACES_SAMPLER` is unset: the trace id and `OTEL_TRACES_SAMPLER_ARG` (default 1) decide, never the caller. */
export const DEFAULT_SAMPLER: SamplerName = 'traceidratio';

// OpenTelemetry's own variables are read as text and checked only when spans are exported: a
// sampler nobody uses refuses nothing, as in the SDK
const otel = () => z.string().trim();

/** OpenTelemetry's standard variables. @see https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ */
export const tracingSettings = {
  title: 'Tracing (OpenTelemetry)',
  settings: {
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(otel(), {
      doc: 'OpenTelemetry collector: spans are POSTed over OTLP/HTTP (JSON encoding) to `<ENDPOINT>/v1/traces`. Unset (and no `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): no spans (W3C `traceparent` is still relayed, see [Tracing](observability.md#tracing))',
      unset: 'unset',
    }),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(otel(), { doc: 'the URL spans are POSTed to, as is; wins over `OTEL_EXPORTER_OTLP_ENDPOINT`', unset: 'unset' }),
    OTEL_EXPORTER_OTLP_PROTOCOL: optional(otel(), {
      doc: '`http/json` or `http/protobuf` (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` wins); either way the BFF sends JSON over HTTP, and refuses any other protocol',
      unset: 'unset',
    }),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optional(otel(), { doc: 'as `OTEL_EXPORTER_OTLP_PROTOCOL`, for traces only', unset: 'unset' }),
    OTEL_TRACES_EXPORTER: optional(otel(), { doc: '`otlp`, or `none` to turn export off', unset: '`otlp`' }),
    OTEL_SDK_DISABLED: optional(otel(), { doc: '`true` turns export off', unset: 'unset' }),
    OTEL_TRACES_SAMPLER: withDefault(otel(), { default: DEFAULT_SAMPLER, doc: SAMPLERS.map((s) => `\`${s}\``).join(', ') }),
    OTEL_TRACES_SAMPLER_ARG: withDefault(otel(), {
      default: '1',
      doc: 'the ratio (0–1) for the ratio samplers, e.g. `parentbased_traceidratio` with `0.1`',
    }),
    OTEL_SERVICE_NAME: withDefault(otel(), { default: 'cognito-bff', doc: 'the `service.name` of the spans' }),
    OTEL_BSP_SCHEDULE_DELAY: optional(otel(), { doc: 'the batch span processor\'s delay between exports (ms)', unset: 'the SDK\'s: `5000`' }),
    OTEL_BSP_MAX_QUEUE_SIZE: optional(otel(), { doc: 'spans the batch span processor queues at most', unset: 'the SDK\'s: `2048`' }),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: optional(otel(), { doc: 'spans per export at most', unset: 'the SDK\'s: `512`' }),
    OTEL_BSP_EXPORT_TIMEOUT: optional(otel(), { doc: 'time one export gets (ms)', unset: 'the SDK\'s: `30000`' }),
  },
} satisfies SettingGroup;

const BATCH_VARIABLES = {
  OTEL_BSP_SCHEDULE_DELAY: 'scheduledDelayMillis',
  OTEL_BSP_MAX_QUEUE_SIZE: 'maxQueueSize',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'maxExportBatchSize',
  OTEL_BSP_EXPORT_TIMEOUT: 'exportTimeoutMillis',
} as const;

/** `OTEL_BSP_*`: batch span processor tunables; unset ones keep the SDK's defaults. */
type BatchSettings = Partial<Record<(typeof BATCH_VARIABLES)[keyof typeof BATCH_VARIABLES], number>>;

/**
 * What the tracer provider is built from: spans are exported only when
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (plus
 * `/v1/traces`) is set, and not with `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`
 * (`undefined` then). Refusals go to `problems`.
 */
export function tracingConfig(e: EnvOf<typeof tracingSettings.settings>, problems: string[]) {
  if (e.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return undefined;
  const exporter = e.OTEL_TRACES_EXPORTER?.toLowerCase();
  if (exporter === 'none') return undefined;
  if (exporter !== undefined && exporter !== 'otlp') problems.push('OTEL_TRACES_EXPORTER: only "otlp" (or "none") is supported');
  const protocol = e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http/json' && protocol !== 'http/protobuf') {
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL: "${protocol}" is not supported; the BFF exports OTLP over HTTP (JSON encoding)`);
  }

  const specific = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = specific ?? (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined);
  if (tracesUrl === undefined) return undefined;
  if (!URL.canParse(tracesUrl) || !/^https?:$/.test(new URL(tracesUrl).protocol)) {
    problems.push(`${specific ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT'}: must be an http(s) URL`);
  }

  // the BFF is the edge: unless a parent-based sampler is asked for by name, a caller's sampled
  // flag lends nothing but its trace id, and the ratio alone decides (contract: "Tracing")
  const sampler = e.OTEL_TRACES_SAMPLER.toLowerCase() as SamplerName;
  if (!SAMPLERS.includes(sampler)) problems.push(`OTEL_TRACES_SAMPLER: must be one of ${SAMPLERS.join(', ')}`);
  const ratio = Number(e.OTEL_TRACES_SAMPLER_ARG);
  if (!(ratio >= 0 && ratio <= 1)) problems.push('OTEL_TRACES_SAMPLER_ARG: must be a number between 0 and 1');

  const batch: BatchSettings = {};
  for (const [name, key] of Object.entries(BATCH_VARIABLES) as [keyof typeof BATCH_VARIABLES, keyof BatchSettings][]) {
    const raw = e[name];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) problems.push(`${name}: must be a positive integer`);
    else batch[key] = n;
  }
  return {
    /** Full URL spans are POSTed to (OTLP/HTTP, JSON encoding). */
    tracesUrl,
    sampler,
    /** `OTEL_TRACES_SAMPLER_ARG` for the ratio samplers (default 1). */
    ratio,
    serviceName: e.OTEL_SERVICE_NAME,
    batch,
  };
}

/** What the tracer provider is built from; present only when spans are exported. */
export type TracingSettings = NonNullable<ReturnType<typeof tracingConfig>>;
