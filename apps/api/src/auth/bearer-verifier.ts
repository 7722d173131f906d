import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { OidcClient } from './oidc-client.js';

/** Outcome of verifying a bearer token sent by a non-browser client. */
export type BearerResult =
  | { kind: 'valid'; claims: JWTPayload }
  | { kind: 'invalid'; reason: string }
  | { kind: 'unavailable' };

/**
 * Verifies Cognito access tokens presented by other clients: RS256 signature against the pool's
 * JWKS (cached by jose, refetched on an unknown `kid`), `iss`, `exp` (required), `token_use=access` and our
 * `client_id` (Cognito access tokens carry no `aud`).
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
export class BearerVerifier {
  #jwks?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly oidc: OidcClient,
    private readonly issuer: string,
    private readonly clientId: string,
    private readonly timeoutMs: number,
  ) {}

  /** Verifies one token. */
  async verify(token: string): Promise<BearerResult> {
    let jwks: ReturnType<typeof createRemoteJWKSet>;
    try {
      jwks = await this.#keys();
    } catch {
      return { kind: 'unavailable' };
    }
    try {
      // jose checks `exp` only when present: a token without one would never expire, so require it
      const { payload } = await jwtVerify(token, jwks, { issuer: this.issuer, algorithms: ['RS256'], requiredClaims: ['exp'] });
      if (payload.token_use !== 'access') return { kind: 'invalid', reason: 'not an access token' };
      if (payload.client_id !== this.clientId) return { kind: 'invalid', reason: 'issued to another client' };
      return { kind: 'valid', claims: payload };
    } catch (err) {
      if (err instanceof joseErrors.JWKSTimeout || (err instanceof Error && /fetch failed|ECONNREFUSED/.test(err.message))) {
        return { kind: 'unavailable' };
      }
      return { kind: 'invalid', reason: err instanceof Error ? err.message : 'invalid token' };
    }
  }

  async #keys() {
    if (!this.#jwks) {
      const configuration = await this.oidc.configuration();
      const jwksUri = configuration.serverMetadata().jwks_uri;
      if (!jwksUri) throw new Error('the issuer publishes no jwks_uri');
      this.#jwks = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: this.timeoutMs, cooldownDuration: 30_000 });
    }
    return this.#jwks;
  }
}
