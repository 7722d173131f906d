import { createHash } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Redis } from '../redis/client.js';
import { logoutJtiKey } from '../redis/keyspace.js';
import { isKeySetUnavailable, type IdpKeys, type KeySet } from './idp-keys.js';

/** The event a logout token must carry. @see https://openid.net/specs/openid-connect-backchannel-1_0.html#LogoutToken */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Oldest `iat` accepted (contract: not older than 5 minutes), and the clock skew allowed either way. */
export const LOGOUT_TOKEN_MAX_AGE_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;

/** What a verified logout token names: the IdP session (`sid`), the user (`sub`), or both. */
export type LogoutTarget = { sub?: string; idpSid?: string };

/** How a logout token fared: its target, why it is refused (`400`), or the IdP's keys out of reach (`503`). */
export type LogoutTokenResult = { kind: 'valid'; target: LogoutTarget } | { kind: 'invalid'; reason: string } | { kind: 'unavailable' };

/**
 * Validates OpenID Connect Back-Channel Logout tokens (section 2.6), every rule: the signature
 * against the IdP's JWKS with the algorithms it announces, `iss`, `aud` (our client), `iat` not in
 * the future and at most 5 minutes old, a `jti`, the back-channel `events` member holding an
 * object, no `nonce` (so an ID token can never pass for one), `sub` and/or `sid`, an explicit
 * `typ` when there is one (`logout+jwt`), and a `jti` not seen before on any instance (Redis
 * `SET NX` for as long as the token could still pass the `iat` check).
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation
 */
export class LogoutTokenVerifier {
  constructor(
    private readonly keys: IdpKeys,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly issuer: string,
    private readonly clientId: string,
    /** The IdP's `id_token_signing_alg_values_supported` (logout tokens are signed like ID tokens). */
    private readonly algorithms: () => Promise<string[]>,
  ) {}

  /** Verifies one `logout_token`; a valid one's `jti` is spent by this call. */
  async verify(token: string): Promise<LogoutTokenResult> {
    let header;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { kind: 'invalid', reason: 'not a signed JWT' };
    }
    // explicit typing (section 2.4): a token typed as anything else is some other JWT
    if (header.typ !== undefined && !/^(application\/)?(logout\+jwt|jwt)$/i.test(header.typ)) return { kind: 'invalid', reason: `unexpected typ ${header.typ}` };
    // the IdP's keys and algorithms out of reach is ours to fix, not the token's: 503, and the IdP retries
    let keySet: KeySet;
    let algorithms: string[];
    try {
      [keySet, algorithms] = await Promise.all([this.keys.keySet(), this.algorithms()]);
    } catch {
      return { kind: 'unavailable' };
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: this.issuer,
        audience: this.clientId,
        algorithms,
        requiredClaims: ['iat', 'jti'],
        maxTokenAge: LOGOUT_TOKEN_MAX_AGE_SECONDS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (err) {
      if (isKeySetUnavailable(err)) return { kind: 'unavailable' };
      return { kind: 'invalid', reason: err instanceof Error ? err.message : 'invalid token' };
    }
    const events = payload.events;
    const event = typeof events === 'object' && events !== null ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT] : undefined;
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return { kind: 'invalid', reason: 'no back-channel logout event' };
    if ('nonce' in payload) return { kind: 'invalid', reason: 'a logout token carries no nonce' };
    const sub = typeof payload.sub === 'string' && payload.sub ? payload.sub : undefined;
    const idpSid = typeof payload.sid === 'string' && payload.sid ? payload.sid : undefined;
    if (!sub && !idpSid) return { kind: 'invalid', reason: 'names neither sub nor sid' };
    if (typeof payload.jti !== 'string' || !payload.jti) return { kind: 'invalid', reason: 'no jti' };
    // spent on first use, on every instance, for as long as the iat window could let it pass again
    const spent = await this.redis.set(this.#jtiKey(payload.jti), '1', { NX: true, EX: LOGOUT_TOKEN_MAX_AGE_SECONDS + 2 * CLOCK_TOLERANCE_SECONDS });
    if (spent !== 'OK') return { kind: 'invalid', reason: 'jti already used (a replayed logout token)' };
    return { kind: 'valid', target: { ...(sub ? { sub } : {}), ...(idpSid ? { idpSid } : {}) } };
  }

  /** The `jti` is the IdP's string: hashed, so the key is short and holds no `{`/`}` (hash tags). */
  #jtiKey(jti: string): string {
    return logoutJtiKey(this.prefix, createHash('sha256').update(`${this.issuer} ${jti}`).digest('base64url'));
  }
}
