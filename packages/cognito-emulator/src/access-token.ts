// Cognito access tokens are RS256 JWTs without `aud`. oidc-provider only issues audience-less
// access tokens in its opaque format, so the emulator lets it issue an opaque token (stored, usable
// at userinfo, revoked with its grant) and hands the client a Cognito-shaped JWT whose `jti` is
// that opaque token's id. The userinfo endpoint maps the JWT back to the opaque token.
import { importJWK, jwtVerify, SignJWT, type JWK } from 'jose';

/** What the access token says about the user and the grant. */
export interface AccessTokenClaims {
  jti: string;
  iat: number;
  exp: number;
  sub: string;
  clientId: string;
  scope: string | undefined;
  username: string;
  groups: string[];
  authTime: number | undefined;
}

/** What a machine-to-machine (`client_credentials`) access token says: no user at all. */
export interface ClientTokenClaims {
  jti: string;
  iat: number;
  exp: number;
  clientId: string;
  scope: string;
}

/** Signs Cognito-shaped access tokens and recognises them again. */
export interface AccessTokenCodec {
  sign(claims: AccessTokenClaims): Promise<string>;
  /** A Cognito M2M access token: `sub` = `client_id`, the granted resource-server scopes, no `aud`. */
  signClientToken(claims: ClientTokenClaims): Promise<string>;
  /** The opaque token id behind a JWT this emulator signed, if it verifies. */
  opaqueId(token: string): Promise<string | undefined>;
}

/** Builds the codec for one issuer and its private signing JWK. */
export async function createAccessTokenCodec(signingKey: JWK, issuer: string): Promise<AccessTokenCodec> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = signingKey;
  const privateKey = await importJWK(signingKey, 'RS256');
  const publicKey = await importJWK(publicJwk, 'RS256');
  return {
    async sign(c) {
      // Claim order and names follow a real Cognito access token; `cognito:groups` is omitted
      // when the user is in no group, as Cognito does.
      const payload = {
        sub: c.sub,
        ...(c.groups.length ? { 'cognito:groups': c.groups } : {}),
        iss: issuer,
        version: 2,
        client_id: c.clientId,
        token_use: 'access',
        scope: c.scope,
        auth_time: c.authTime,
        exp: c.exp,
        iat: c.iat,
        jti: c.jti,
        username: c.username,
      };
      return new SignJWT(payload).setProtectedHeader({ kid: signingKey.kid, alg: 'RS256' }).sign(privateKey);
    },
    async signClientToken(c) {
      // Claim order and names follow a real Cognito client_credentials token (auth_time = iat there).
      const payload = {
        sub: c.clientId,
        token_use: 'access',
        scope: c.scope,
        auth_time: c.iat,
        iss: issuer,
        exp: c.exp,
        iat: c.iat,
        version: 2,
        jti: c.jti,
        client_id: c.clientId,
      };
      return new SignJWT(payload).setProtectedHeader({ kid: signingKey.kid, alg: 'RS256' }).sign(privateKey);
    },
    async opaqueId(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, { issuer, algorithms: ['RS256'] });
        return payload.token_use === 'access' && typeof payload.jti === 'string' ? payload.jti : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
