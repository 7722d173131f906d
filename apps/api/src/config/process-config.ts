import { z } from 'zod';
import { integer, optional, text, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** The process: its mode, logging, the web build it serves and how it shuts down. */
export const processSettings = {
  title: 'Process',
  settings: {
    NODE_ENV: withDefault(z.enum(['development', 'test', 'production']), {
      default: 'development',
      defaultNote: '(the production image: `production`)',
      doc: '`production`: `SESSION_SECRET`, `COGNITO_ISSUER`, `COGNITO_CLIENT_ID` and an upstream (`API_UPSTREAM_URL` or a route table) are required, `PUBLIC_URL` must be `https://` (but on a loopback host), and the API serves the built web app (`WEB_DIST_DIR`); `development` and `test` fill in the local emulator and demo upstream',
    }),
    LOG_LEVEL: withDefault(z.enum(['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace']), { default: 'info', doc: 'pino level (`silent` … `trace`)' }),
    WEB_DIST_DIR: optional(text(), { doc: 'built web app served at `/` when `NODE_ENV=production`', unset: '`apps/web/dist`' }),
    SHUTDOWN_DRAIN_MS: withDefault(integer(0, 10 * 60 * 1000), {
      // a load balancer checking every 2 s that needs 2 failures has stopped sending after ~4 s
      default: '5000',
      doc: 'on `SIGTERM`, how long the instance keeps serving with `/readyz` at `503` (and `Connection: close` on every response) before it stops accepting; size it to the load balancer: ≥ check interval × fall count + one interval + the check timeout (see [deploy/haproxy.cfg](../deploy/haproxy.cfg)). `SIGINT` (Ctrl-C) skips it',
    }),
    SHUTDOWN_GRACE_MS: withDefault(integer(0, 10 * 60 * 1000), {
      default: '10000',
      doc: 'once the listener is closed, time in-flight requests (streams included) get to finish before their connections are cut',
    }),
  },
} satisfies SettingGroup;

/** The process's part of the configuration. */
export function processConfig(e: EnvOf<typeof processSettings.settings>) {
  return {
    nodeEnv: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    /** Whether the API serves the built web app (production). */
    serveWeb: e.NODE_ENV === 'production',
    webDistDir: e.WEB_DIST_DIR,
    /** On SIGTERM, how long the instance keeps serving (with `/readyz` at 503) before it stops accepting. */
    shutdownDrainMs: e.SHUTDOWN_DRAIN_MS,
    /** Once the listener is closed, how long requests in flight (streams included) get to finish. */
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
  };
}
