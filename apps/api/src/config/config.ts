/**
 * The configuration of one API process: every setting is an environment variable declared once,
 * with its parse, default and doc, in the file of its concern (`*-config.ts`); this file puts
 * them together, refuses what involves settings of several concerns, and infers {@link Config}.
 * docs/configuration.md's tables are generated from the same declarations (`npm run config-docs -w apps/api`).
 */
import { z } from 'zod';
import { idpConfig, idpSettings } from './idp-config.js';
import { limitConfig, limitSettings } from './limits-config.js';
import { listenerConfig, listenerSettings } from './listener-config.js';
import { operationConfig, operationSettings } from './operations-config.js';
import { processConfig, processSettings } from './process-config.js';
import { redisConfig, redisSettings } from './redis-config.js';
import { routeConfig, routeSettings, usesRouteTable } from './route-config.js';
import { sessionConfig, sessionSettings } from './session-config.js';
import { isLoopback } from './setting.js';
import { tracingConfig, tracingSettings } from './tracing-config.js';

export { DEV_EMULATOR_CLIENT, DEV_EMULATOR_ISSUER, DEV_EMULATOR_M2M_CLIENT } from './idp-config.js';
export { DEFAULT_CLIENT_CACHE } from './redis-config.js';
export { DEV_UPSTREAM_URL } from './route-config.js';

/** Every group of settings, in the order of docs/configuration.md. */
export const SETTING_GROUPS = [processSettings, listenerSettings, redisSettings, sessionSettings, idpSettings, routeSettings, limitSettings, operationSettings, tracingSettings] as const;

// the groups' shapes as one: a union of the shapes turned into their intersection
type AllSettings<G extends readonly { settings: object }[]> = (G[number]['settings'] extends infer S ? (S extends unknown ? (shape: S) => void : never) : never) extends (shape: infer I) => void ? I : never;

/** Every variable the API reads, each parsed on its own (defaults applied): the groups' settings together. */
export const envSchema = z.object(Object.assign({}, ...SETTING_GROUPS.map((group) => group.settings)) as AllSettings<typeof SETTING_GROUPS>);

/** The parsed environment. */
export type Env = z.output<typeof envSchema>;

/** What production needs on top of each setting's own checks; listed first, as what a first deployment forgets. */
function productionChecks(e: Env, problems: string[]): void {
  if (e.NODE_ENV !== 'production') return;
  if (!e.SESSION_SECRET) problems.push('SESSION_SECRET: required when NODE_ENV=production (at least 32 characters)');
  if (!e.COGNITO_ISSUER) problems.push('COGNITO_ISSUER: required when NODE_ENV=production');
  if (!e.COGNITO_CLIENT_ID) problems.push('COGNITO_CLIENT_ID: required when NODE_ENV=production');
  if (!usesRouteTable(e) && !e.API_UPSTREAM_URL) problems.push('API_UPSTREAM_URL: required when NODE_ENV=production (or set API_ROUTES / API_ROUTES_FILE)');
  // unset, it is http://localhost:PORT, which is loopback
  const pub = e.PUBLIC_URL === undefined ? undefined : new URL(e.PUBLIC_URL);
  if (pub?.protocol === 'http:' && !isLoopback(pub)) problems.push('PUBLIC_URL: must use https:// in production (http:// only on a loopback host)');
}

/** Refusals that involve settings of more than one concern. */
function crossChecks(e: Env, parts: { routes: readonly { token: string }[]; m2mClient: { clientSecret?: string | undefined } }, problems: string[]): void {
  if (!parts.m2mClient.clientSecret && parts.routes.some((r) => r.token === 'client')) {
    problems.push('COGNITO_M2M_CLIENT_SECRET: "client" routes need an app client with a secret (Cognito allows client_credentials only to confidential clients)');
  }
  if (e.ADMIN_SCOPE && e.INTERNAL_PORT === undefined) problems.push('INTERNAL_PORT: required with ADMIN_SCOPE (the admin route is served on the internal listener only)');
}

/** The environment, then each concern's part of the configuration and the checks across them. */
const configSchema = envSchema.transform((e, ctx) => {
  const problems: string[] = [];
  productionChecks(e, problems);
  const listener = listenerConfig(e, problems);
  const redis = redisConfig(e, problems);
  const session = sessionConfig(e, problems);
  const idp = idpConfig(e, problems);
  const routes = routeConfig(e, problems);
  const operations = operationConfig(e, problems);
  const tracing = tracingConfig(e, problems);
  crossChecks(e, { ...routes, ...idp }, problems);
  if (problems.length > 0) {
    for (const message of problems) ctx.issues.push({ code: 'custom', message, input: e });
    return z.NEVER;
  }
  return {
    ...processConfig(e),
    ...listener,
    ...redis,
    ...session,
    ...idp,
    ...routes,
    ...limitConfig(e),
    ...operations,
    /** OpenTelemetry export (`OTEL_EXPORTER_OTLP_ENDPOINT` and friends); unset: no spans, W3C propagation only. */
    ...(tracing ? { tracing } : {}),
  };
});

/** The validated, typed configuration of one API process. */
export type Config = z.output<typeof configSchema>;

/** Thrown when the environment is not a valid configuration; lists every problem at once. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once, at start-up, and returns the typed configuration.
 * Every missing or invalid variable is reported in one {@link ConfigError}.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    // a variable's own parse names it by path; a check of the transform names its variables itself
    throw new ConfigError(parsed.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message)));
  }
  return parsed.data;
}
