import { integer, optional, text, url, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** Where the internal listener binds when `INTERNAL_HOST` is unset: reachable from this host only. */
const DEFAULT_INTERNAL_HOST = '127.0.0.1';

/** `true`/`false`, a hop count, or a list of addresses, subnets and names (`loopback`, …), as Express reads them. */
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** The two listeners and the origin the browser uses. */
export const listenerSettings = {
  title: 'Listeners and the public origin',
  settings: {
    PORT: withDefault(integer(0, 65535), { default: '3000', doc: 'port the API listens on' }),
    PUBLIC_URL: optional(url(['http:', 'https:']), {
      doc: 'origin the browser uses; callback = `PUBLIC_URL/auth/callback`, post-logout page = `PUBLIC_URL/`. `https://` ⇒ `Secure` cookie named `__Host-bff.sid`',
      unset: '`http://localhost:PORT` (`npm run dev`: `http://localhost:5173`)',
    }),
    TRUST_PROXY: withDefault(text().transform(parseTrustProxy), { default: 'loopback', doc: 'Express `trust proxy` (set it behind a TLS-terminating proxy)' }),
    INTERNAL_PORT: optional(integer(0, 65535), {
      doc: 'a second listener for what only the infrastructure may call: `GET /auth/check` (forward auth, [forward-auth.md](forward-auth.md)), `GET /metrics`, `DELETE /admin/users/{sub}/sessions`, `GET /healthz`, `GET /readyz`. When set, `/auth/check` and `/metrics` answer `404` on `PORT`; when not, `/metrics` stays on `PORT` and forward auth is off. Health answers on both. It must differ from `PORT`',
      unset: 'none',
    }),
    INTERNAL_HOST: optional(text(), {
      doc: 'the address the internal listener binds; needs `INTERNAL_PORT`. `0.0.0.0` in a container whose ingress runs elsewhere ([kubernetes.md](kubernetes.md): `9090`, with a NetworkPolicy)',
      unset: `\`${DEFAULT_INTERNAL_HOST}\``,
    }),
  },
} satisfies SettingGroup;

/** The listeners' part of the configuration; refusals go to `problems`. */
export function listenerConfig(e: EnvOf<typeof listenerSettings.settings>, problems: string[]) {
  const publicUrl = new URL((e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''));
  if (publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash) problems.push('PUBLIC_URL: must be an origin only (no path, query or fragment)');
  if (e.INTERNAL_PORT !== undefined && e.INTERNAL_PORT !== 0 && e.INTERNAL_PORT === e.PORT) problems.push('INTERNAL_PORT: must differ from PORT (the internal listener is a second listener)');
  if (e.INTERNAL_HOST !== undefined && e.INTERNAL_PORT === undefined) problems.push('INTERNAL_PORT: required when INTERNAL_HOST is set');
  return {
    port: e.PORT,
    /** Origin the browser uses, without a trailing slash. */
    publicUrl: publicUrl.origin,
    /** Derived: cookie carries `Secure` and the `__Host-` prefix. */
    secureCookies: publicUrl.protocol === 'https:',
    /** Express `trust proxy`: a boolean, a hop count, or addresses/subnets/names. */
    trustProxy: e.TRUST_PROXY,
    /**
     * `INTERNAL_PORT` / `INTERNAL_HOST`: the listener for what only the infrastructure may call
     * (`/auth/check`, `/metrics`, health). Unset: forward auth is off and `/metrics` stays on `PORT`.
     */
    ...(e.INTERNAL_PORT !== undefined ? { internal: { port: e.INTERNAL_PORT, host: e.INTERNAL_HOST ?? DEFAULT_INTERNAL_HOST } } : {}),
  };
}
