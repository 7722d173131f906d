import { integer, isLoopback, optional, text, url, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** Issuer of the local Cognito emulator that `npm run dev` starts. */
export const DEV_EMULATOR_ISSUER = 'http://127.0.0.1:4010/local-1_Emulator';
/** The emulator's default confidential client. */
export const DEV_EMULATOR_CLIENT = { id: 'local-client', secret: 'local-secret' } as const;
/** The emulator's machine-to-machine client (`client_credentials` only), the dev default for `client` routes. */
export const DEV_EMULATOR_M2M_CLIENT = { id: 'local-m2m-client', secret: 'local-m2m-secret' } as const;

/** The IdP (Cognito): the issuer, the app clients, and how the BFF talks to it and refreshes. */
export const idpSettings = {
  title: 'Cognito',
  settings: {
    COGNITO_ISSUER: optional(url(['http:', 'https:']), {
      doc: 'OIDC issuer, e.g. `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123`; `http://` only on loopback',
      unset: `dev: the local emulator \`${DEV_EMULATOR_ISSUER}\``,
    }),
    COGNITO_CLIENT_ID: optional(text(), { doc: 'the app client; required with `COGNITO_ISSUER`', unset: `dev: \`${DEV_EMULATOR_CLIENT.id}\`` }),
    COGNITO_CLIENT_SECRET: optional(text(), { doc: 'the app client\'s secret; none = public client (PKCE only)', unset: `dev: \`${DEV_EMULATOR_CLIENT.secret}\`` }),
    COGNITO_SCOPES: withDefault(text(), { default: 'openid email profile', doc: 'scopes asked for' }),
    COGNITO_M2M_CLIENT_ID: optional(text(), {
      doc: 'app client for the `client_credentials` grant of `client` routes (needs a secret)',
      unset: `the main client; dev: the emulator's \`${DEV_EMULATOR_M2M_CLIENT.id}\``,
    }),
    COGNITO_M2M_CLIENT_SECRET: optional(text(), {
      doc: 'its secret; needs `COGNITO_M2M_CLIENT_ID`',
      unset: `the main client's; dev: \`${DEV_EMULATOR_M2M_CLIENT.secret}\``,
    }),
    REFRESH_TOKEN_TTL_SECONDS: withDefault(integer(60, 60 * 60 * 24 * 3650), {
      default: '2592000',
      doc: 'refresh token validity of the app client (Cognito\'s default: 30 days); no session outlives it',
    }),
    IDP_TIMEOUT_MS: withDefault(integer(100, 60 * 1000), { default: '10000', doc: 'time each call to the IdP gets before `503 idp_unavailable`' }),
    REFRESH_SKEW_SECONDS: withDefault(integer(0, 3600), {
      default: '60',
      doc: 'refresh when the access token expires within this many seconds (or half its lifetime, if shorter)',
    }),
    REFRESH_AHEAD_SPREAD_SECONDS: withDefault(integer(0, 3600), {
      default: '30',
      doc: 'sessions whose tokens enter the refresh window together are refreshed in the background over up to this many seconds (a fixed offset per session), not all in the window\'s first second; capped at half the part of the window in which a token still serves. `0`: each at the window\'s opening',
    }),
  },
} satisfies SettingGroup;

/** The IdP's part of the configuration; refusals go to `problems`. */
export function idpConfig(e: EnvOf<typeof idpSettings.settings>, problems: string[]) {
  if (e.COGNITO_ISSUER && !e.COGNITO_CLIENT_ID) problems.push('COGNITO_CLIENT_ID: required when COGNITO_ISSUER is set');
  const issuer = (e.COGNITO_ISSUER ?? DEV_EMULATOR_ISSUER).replace(/\/+$/, '');
  if (URL.canParse(issuer)) {
    const u = new URL(issuer);
    if (u.protocol === 'http:' && !isLoopback(u)) {
      problems.push('COGNITO_ISSUER: must use https:// (http:// is accepted only on localhost, 127.0.0.1 or [::1])');
    }
  }
  const usingEmulator = !e.COGNITO_ISSUER;
  const clientId = e.COGNITO_CLIENT_ID ?? DEV_EMULATOR_CLIENT.id;
  const clientSecret = e.COGNITO_CLIENT_SECRET ?? (usingEmulator ? DEV_EMULATOR_CLIENT.secret : undefined);
  if (e.COGNITO_M2M_CLIENT_SECRET && !e.COGNITO_M2M_CLIENT_ID) problems.push('COGNITO_M2M_CLIENT_ID: required when COGNITO_M2M_CLIENT_SECRET is set');
  const m2mClient: { clientId: string; clientSecret?: string } = e.COGNITO_M2M_CLIENT_ID
    ? { clientId: e.COGNITO_M2M_CLIENT_ID, clientSecret: e.COGNITO_M2M_CLIENT_SECRET }
    : usingEmulator && !e.COGNITO_CLIENT_ID
      ? { clientId: DEV_EMULATOR_M2M_CLIENT.id, clientSecret: DEV_EMULATOR_M2M_CLIENT.secret }
      : { clientId, clientSecret };
  return {
    cognito: { issuer, clientId, clientSecret, scopes: e.COGNITO_SCOPES },
    /**
     * App client for `client` routes' `client_credentials` grant (`COGNITO_M2M_CLIENT_ID` / `_SECRET`).
     * Default: the main client; with the dev emulator, its M2M client (Cognito refuses the grant to
     * a client that signs users in).
     */
    m2mClient,
    /** Lifetime of the IdP's refresh tokens; no session outlives its refresh token. */
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
    idpTimeoutMs: e.IDP_TIMEOUT_MS,
    refreshSkewSeconds: e.REFRESH_SKEW_SECONDS,
    /** Background refreshes of sessions entering the window together start spread over up to this many seconds (refresh-coordinator.ts). */
    refreshAheadSpreadSeconds: e.REFRESH_AHEAD_SPREAD_SECONDS,
  };
}
