import { z } from 'zod';
import { flag, listOf, optional, text, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** What operators and back ends call: metrics, and ending a user's sessions. */
export const operationSettings = {
  title: 'Metrics and the admin API',
  settings: {
    METRICS_ENABLED: withDefault(flag(), {
      default: 'true',
      doc: 'serve `GET /metrics` (`true`/`false`; on the internal listener when `INTERNAL_PORT` is set); off answers `404`',
    }),
    METRICS_TOKEN: optional(z.string().min(16, 'must be at least 16 characters'), {
      doc: 'when set (≥ 16 characters), `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`; without it `/metrics` is open, so block it at the ingress (the API warns at start-up in production)',
      unset: '—',
    }),
    ADMIN_SCOPE: optional(z.string().regex(/^\S+$/, 'must be one scope (no spaces)'), {
      doc: 'the scope an access token needs to call `DELETE /admin/users/{sub}/sessions` on the internal listener, which ends every session of a user on every instance; the CDK stack creates it (`bff/admin`). Needs `ADMIN_CLIENT_IDS` and `INTERNAL_PORT` ([ending-sessions.md](ending-sessions.md))',
      unset: 'none (the route is off)',
    }),
    ADMIN_CLIENT_IDS: optional(text(), {
      doc: 'the app clients (comma-separated) whose `client_credentials` tokens carrying `ADMIN_SCOPE` may call that route; the CDK stack creates one of its own. Needs `ADMIN_SCOPE`',
      unset: 'none',
    }),
  },
} satisfies SettingGroup;

/** The operations' part of the configuration; refusals go to `problems`. */
export function operationConfig(e: EnvOf<typeof operationSettings.settings>, problems: string[]) {
  const adminClientIds = listOf(e.ADMIN_CLIENT_IDS);
  if (e.ADMIN_SCOPE && adminClientIds.length === 0) problems.push('ADMIN_CLIENT_IDS: required with ADMIN_SCOPE (the app clients whose client_credentials tokens may end sessions)');
  if (!e.ADMIN_SCOPE && adminClientIds.length > 0) problems.push('ADMIN_SCOPE: required with ADMIN_CLIENT_IDS');
  return {
    /** Whether `GET /metrics` is served, and the Bearer token it then requires (none: open; keep it off the internet). */
    metrics: { enabled: e.METRICS_ENABLED, token: e.METRICS_TOKEN },
    /**
     * `ADMIN_SCOPE` / `ADMIN_CLIENT_IDS`: `DELETE /admin/users/{sub}/sessions` on the internal listener
     * accepts `client_credentials` tokens of these app clients carrying this scope. Unset: the route is off.
     */
    ...(e.ADMIN_SCOPE ? { admin: { scope: e.ADMIN_SCOPE, clientIds: Object.freeze(adminClientIds) } } : {}),
  };
}
