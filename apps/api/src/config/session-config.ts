import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { integer, optional, text, withDefault, type EnvOf, type SettingGroup } from './setting.js';

/** Sessions: the secrets that sign and seal them, and how long they last. */
export const sessionSettings = {
  title: 'Sessions and cookies',
  settings: {
    SESSION_SECRET: optional(z.string().min(32, 'must be at least 32 characters'), {
      doc: 'signs the cookie and derives the token-encryption key; ≥ 32 characters',
      unset: 'required in production; in dev a random one with a warning',
    }),
    PREVIOUS_SESSION_SECRETS: optional(text(), {
      doc: 'secrets `SESSION_SECRET` replaced, comma-separated, each ≥ 32 characters: still accepted for cookies and token records made before the rotation (see [Rotating secrets](secrets.md#rotating-secrets))',
      unset: '—',
    }),
    SESSION_TTL_SECONDS: withDefault(integer(60, 60 * 60 * 24 * 365), {
      default: '86400',
      doc: '**absolute** session lifetime, however active the session; capped at sign-in by `REFRESH_TOKEN_TTL_SECONDS`',
    }),
    MAX_SESSIONS_PER_USER: withDefault(integer(0, 10_000), {
      default: '0',
      doc: 'sessions one user may have at once; a sign-in beyond it ends their least recently used session (refresh token revoked) on every instance; `0` = no limit',
    }),
    SESSION_IDLE_TIMEOUT_SECONDS: withDefault(integer(1, 60 * 60 * 24 * 365), {
      default: '28800',
      defaultNote: '(8 h)',
      doc: 'sliding idle timeout: a session unused this long ends',
    }),
  },
} satisfies SettingGroup;

/**
 * `PREVIOUS_SESSION_SECRETS`, comma-separated: each at least 32 characters (reported by position,
 * never by value). The current secret and repeats are left out; frozen.
 */
function parsePreviousSecrets(value: string | undefined, current: string | undefined, problems: string[]): readonly string[] {
  const secrets = (value ?? '').split(',').map((s) => s.trim());
  const kept: string[] = [];
  secrets.forEach((secret, i) => {
    if (secret === '') return;
    if (secret.length < 32) problems.push(`PREVIOUS_SESSION_SECRETS[${i}]: must be at least 32 characters`);
    else if (secret !== current && !kept.includes(secret)) kept.push(secret);
  });
  if (kept.length > 0 && !current) problems.push('SESSION_SECRET: required when PREVIOUS_SESSION_SECRETS is set');
  return Object.freeze(kept);
}

/** The sessions' part of the configuration; refusals go to `problems`. */
export function sessionConfig(e: EnvOf<typeof sessionSettings.settings>, problems: string[]) {
  const previousSessionSecrets = parsePreviousSecrets(e.PREVIOUS_SESSION_SECRETS, e.SESSION_SECRET, problems);
  const sessionSecret = e.SESSION_SECRET ?? randomBytes(32).toString('base64url');
  return {
    /** `SESSION_SECRET`: signs new cookies and seals new token records. */
    sessionSecret,
    /**
     * `PREVIOUS_SESSION_SECRETS`: still accepted for cookies and records made before a rotation
     * (a session used after it is re-signed and re-sealed with {@link sessionSecret}).
     */
    previousSessionSecrets,
    /** The current secret first, then the previous ones: the key ring every secret-derived check uses. */
    sessionSecrets: Object.freeze([sessionSecret, ...previousSessionSecrets]),
    /** True when no SESSION_SECRET was given and a random one is used (dev only). */
    sessionSecretGenerated: !e.SESSION_SECRET,
    /** Absolute session lifetime (capped at sign-in by `refreshTokenTtlSeconds`). */
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    /** Sliding idle timeout: a session unused this long ends. */
    sessionIdleTimeoutSeconds: e.SESSION_IDLE_TIMEOUT_SECONDS,
    /** Sessions one user may have; a sign-in beyond it ends their least recently used one. 0 = no limit. */
    maxSessionsPerUser: e.MAX_SESSIONS_PER_USER,
  };
}
