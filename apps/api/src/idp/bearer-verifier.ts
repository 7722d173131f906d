import { jwtVerify, type JWTPayload } from 'jose';
import { isKeySetUnavailable, type IdpKeys, type KeySet } from './idp-keys.js';

/** Outcome of verifying a bearer token sent by a non-browser client. */
export type BearerResult =
  | { kind: 'valid'; claims: JWTPayload }
  | { kind: 'invalid'; reason: string }
  | { kind: 'unavailable' };

/**
 * Verifies Cognito access tokens presented by other clients: RS256 signature against the pool's
 * JWKS (cached by jose, refetched on an unknown `kid`), `iss`, `exp` (required), `token_use=access` and a
 * `client_id` of ours (Cognito access tokens carry no `aud`): the app client's on `/api/*`, those of
 * `ADMIN_CLIENT_IDS` on the admin route.
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
export class BearerVerifier {
  readonly #clientIds: ReadonlySet<string>;

  constructor(
    private readonly keys: IdpKeys,
    private readonly issuer: string,
    /** The app client(s) a token must have been issued to (`client_id`). */
    clientIds: string | readonly string[],
  ) {
    this.#clientIds = new Set(typeof clientIds === 'string' ? [clientIds] : clientIds);
  }

  /** Verifies one token. */
  async verify(token: string): Promise<BearerResult> {
    let jwks: KeySet;
    try {
      jwks = await this.keys.keySet();
    } catch {
      return { kind: 'unavailable' };
    }
    try {
      // jose checks `exp` only when present: a token without one would never expire, so require it
      const { payload } = await jwtVerify(token, jwks, { issuer: this.issuer, algorithms: ['RS256'], requiredClaims: ['exp'] });
      if (payload.token_use !== 'access') return { kind: 'invalid', reason: 'not an access token' };
      if (typeof payload.client_id !== 'string' || !this.#clientIds.has(payload.client_id)) return { kind: 'invalid', reason: 'issued to another client' };
      return { kind: 'valid', claims: payload };
    } catch (err) {
      if (isKeySetUnavailable(err)) return { kind: 'unavailable' };
      return { kind: 'invalid', reason: err instanceof Error ? err.message : 'invalid token' };
    }
  }
}
