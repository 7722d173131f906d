// The API's layers, lowest first (docs/adr/0008-layers.md). A file may import its own layer and
// the ones below it, never one above: `npm run lint` refuses an upward import
// (eslint-plugin-boundaries). Files are listed one by one where a folder still holds two layers.
// each path twice: ESLint runs from the repository root and from apps/api (`npm run lint -w apps/api`)
const src = (...globs) => globs.flatMap((g) => [`apps/api/src/${g}`, `src/${g}`]);

export const API_LAYERS = [
  { type: 'kernel', files: src('util/**', 'logger.ts', 'lifecycle.ts') },
  { type: 'config', files: src('config.ts', 'observability/tracing-config.ts') },
  { type: 'telemetry', files: src('observability/tracing.ts', 'observability/metrics.ts', 'observability/request-histogram.ts', 'observability/route-group.ts', 'tokens/refresh-observer.ts') },
  { type: 'http', files: src('http/problem.ts', 'http/errors.ts', 'http/csrf.ts', 'http/request-log.ts', 'http-server.ts', 'auth/return-to.ts', 'abuse/client-bucket.ts', 'abuse/body-limit.ts') },
  { type: 'redis', files: src('redis/**') },
  { type: 'idp', files: src('auth/oidc-client.ts', 'auth/bearer-verifier.ts', 'auth/idp-keys.ts', 'auth/logout-token.ts') },
  { type: 'tokens', files: src('tokens/**') },
  {
    type: 'session',
    files: src(
      'session/cookie.ts',
      'session/session-store.ts',
      'session/session-activity.ts',
      'session/user-sessions.ts',
      'session/expiring-set.ts',
      'session/session-ending.ts',
      'session/session-limit.ts',
      'session/secret-rotation.ts',
      'session/session-lookup.ts',
      'session/user-agent.ts',
      'session/session-data.d.ts',
      'auth/session-data.d.ts',
      'auth/login-transaction.ts',
      'observability/active-sessions.ts',
      'abuse/rate-limiter.ts',
    ),
  },
  { type: 'routing', files: src('routing/**', 'proxy/request-target.ts') },
  { type: 'relay', files: src('proxy/upstream-proxy.ts', 'proxy/headers.ts', 'proxy/forwarding.ts', 'proxy/in-flight.ts', 'live/live-connections.ts', 'live/session-end-channel.ts', 'live/frames.ts') },
  {
    type: 'endpoints',
    files: src(
      'auth/auth-routes.ts',
      'auth/forward-auth.ts',
      'auth/backchannel-logout.ts',
      'auth/logout-request.ts',
      'auth/sign-in-parameters.ts',
      'session/session-handler.ts',
      'session/sessions-routes.ts',
      'health/**',
      'admin/**',
      'contract/**',
      'observability/metrics-routes.ts',
      'web/**',
      'abuse/auth-guards.ts',
      'abuse/rate-limit.ts',
      'proxy/api-handler.ts',
      'live/upgrade-handler.ts',
      'http/error-sink.ts',
    ),
  },
  { type: 'app', files: src('app.ts', 'deps.ts', 'server.ts', 'index.ts', 'testing/**') },
];
