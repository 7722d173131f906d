// Bearer-token check of the demo upstream: a Cognito access token, verified against the pool's JWKS.
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';

/** Outcome of checking a request's Authorization header. */
export type AuthResult = { kind: 'ok'; claims: JWTPayload } | { kind: 'invalid'; detail: string };

export type Authenticate = (authorization: string | undefined) => Promise<AuthResult>;

function bearer(authorization: string | undefined): string | undefined {
  const match = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization ?? '');
  return match?.[1];
}

/**
 * Builds the verifier: signature (JWKS cached by jose), `iss`, `exp`, `token_use=access` and,
 * when given, `client_id`. With `verify: false` (benchmark baseline) the token is only decoded.
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 */
export function createAuthenticator(opts: { issuer: string; clientId?: string; verify: boolean }): Authenticate {
  const jwks = createRemoteJWKSet(new URL(`${opts.issuer}/.well-known/jwks.json`));
  return async (authorization) => {
    const token = bearer(authorization);
    if (!opts.verify) {
      try {
        return { kind: 'ok', claims: token ? decodeJwt(token) : {} };
      } catch {
        return { kind: 'ok', claims: {} };
      }
    }
    if (!token) return { kind: 'invalid', detail: 'missing bearer token' };
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: opts.issuer, algorithms: ['RS256'] });
      if (payload.token_use !== 'access') return { kind: 'invalid', detail: 'not an access token' };
      if (opts.clientId && payload.client_id !== opts.clientId) return { kind: 'invalid', detail: 'token issued to another client' };
      return { kind: 'ok', claims: payload };
    } catch (err) {
      const detail = err instanceof errors.JOSEError ? err.code : 'token verification failed';
      return { kind: 'invalid', detail };
    }
  };
}
