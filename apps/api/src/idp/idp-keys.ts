import { createRemoteJWKSet, errors as joseErrors } from 'jose';
import type { OidcClient } from './oidc-client.js';

/** The key set jose verifies against: fetched from `jwks_uri`, cached, refetched on an unknown `kid`. */
export type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * The IdP's signing keys (its `jwks_uri`), shared by everything that verifies a token the IdP
 * signed: bearer access tokens and back-channel logout tokens. One cache, one cooldown, so a flood
 * of tokens with unknown key ids costs at most one JWKS fetch every 30 s.
 * @see https://www.rfc-editor.org/rfc/rfc7517
 */
export class IdpKeys {
  #jwks?: KeySet;

  constructor(
    private readonly oidc: OidcClient,
    private readonly timeoutMs: number,
  ) {}

  /** The key set; rejects when discovery cannot be loaded or names no `jwks_uri`. */
  async keySet(): Promise<KeySet> {
    if (!this.#jwks) {
      const configuration = await this.oidc.configuration();
      const jwksUri = configuration.serverMetadata().jwks_uri;
      if (!jwksUri) throw new Error('the issuer publishes no jwks_uri');
      this.#jwks = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: this.timeoutMs, cooldownDuration: 30_000 });
    }
    return this.#jwks;
  }
}

/** True for the errors jose raises when the key set could not be fetched (the IdP is unreachable), not for a bad token. */
export function isKeySetUnavailable(err: unknown): boolean {
  return err instanceof joseErrors.JWKSTimeout || (err instanceof Error && /fetch failed|ECONNREFUSED/.test(err.message));
}
