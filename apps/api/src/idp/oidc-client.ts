import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { idpSpan, type SpanParent } from '../telemetry/spans.js';

/** What a token endpoint answered, reduced to what the BFF keeps. */
export interface GrantedTokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  expiresIn: number;
  /** `scope` of the token response, when the IdP sent one (RFC 6749 §5.1: omitted when as requested). */
  scope?: string;
  /** Validated ID token claims, when the response had an ID token. */
  claims?: Record<string, unknown>;
}

/** How an IdP call failed, as the rest of the API needs to know it. */
export type IdpFailure =
  /** The grant was rejected for good (revoked, expired, reused, replayed code). */
  | 'invalid_grant'
  /** The IdP could not be reached, timed out or answered 5xx: try again later. */
  | 'unavailable'
  /** Any other rejection (bad state, bad ID token, wrong client): not worth retrying. */
  | 'rejected';

/** Error of this module: an {@link IdpFailure} kind, the OAuth error when there is one, the lower error as cause. */
export class IdpError extends Error {
  constructor(
    readonly kind: IdpFailure,
    readonly oauthError: string | undefined,
    options: { cause: unknown },
  ) {
    super(`identity provider call failed: ${kind}${oauthError ? ` (${oauthError})` : ''}`, options);
    this.name = 'IdpError';
  }
}

const COGNITO_HOST = /^cognito-idp\.[a-z0-9-]+\.amazonaws\.com$/;

/** True when an error (or one of its causes) is a network failure or a timeout rather than an answer. */
function isTransport(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 5) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  if (err instanceof TypeError && /fetch failed|network/i.test(err.message)) return true;
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|UND_ERR/.test(`${(err as { code?: string }).code ?? ''} ${err.message}`)) return true;
  return isTransport((err as { cause?: unknown }).cause, depth + 1);
}

/** Maps whatever openid-client or fetch threw to an {@link IdpError}. */
export function toIdpError(err: unknown): IdpError {
  if (err instanceof IdpError) return err;
  if (isTransport(err)) return new IdpError('unavailable', undefined, { cause: err });
  if (err instanceof oidc.ResponseBodyError) {
    if (err.status >= 500) return new IdpError('unavailable', err.error, { cause: err });
    return new IdpError(err.error === 'invalid_grant' ? 'invalid_grant' : 'rejected', err.error, { cause: err });
  }
  if (err instanceof oidc.AuthorizationResponseError) return new IdpError('rejected', err.error, { cause: err });
  if (err instanceof oidc.ClientError) {
    // a non-JSON or 5xx body surfaces as a processing error carrying the Response
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Response && cause.status >= 500) return new IdpError('unavailable', undefined, { cause: err });
    if (err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || err.code === 'OAUTH_RESPONSE_IS_NOT_JSON') {
      return new IdpError('unavailable', undefined, { cause: err });
    }
    return new IdpError('rejected', undefined, { cause: err });
  }
  // fetch network failures (TypeError), timeouts (TimeoutError/AbortError)
  return new IdpError('unavailable', undefined, { cause: err });
}

/**
 * The one module that talks to the OpenID provider (openid-client v6). Discovery is loaded
 * lazily, cached, and dropped after a failure so the next call tries again.
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html
 */
export class OidcClient {
  #configuration?: Promise<oidc.Configuration>;
  #m2mConfiguration?: { from: oidc.Configuration; configuration: oidc.Configuration };
  #loaded = false;

  constructor(
    /** `m2mClient` (for {@link OidcClient.clientCredentialsGrant}) defaults to the main client. */
    private readonly config: Pick<Config, 'cognito' | 'idpTimeoutMs' | 'publicUrl'> & Partial<Pick<Config, 'm2mClient'>>,
    private readonly logger: Logger,
  ) {}

  /** Redirect URI registered at the IdP. */
  get redirectUri(): string {
    return `${this.config.publicUrl}/auth/callback`;
  }

  /** Origin of the authorization endpoint once discovery is loaded (the CSP's `form-action` needs it). */
  get authorizationOrigin(): string | undefined {
    return this.#authorizationOrigin;
  }
  #authorizationOrigin?: string;

  /** True once discovery has succeeded (for `/readyz`). */
  get ready(): boolean {
    return this.#loaded;
  }

  /** Returns the discovered configuration, loading it when missing. */
  configuration(): Promise<oidc.Configuration> {
    this.#configuration ??= this.#discover().then(
      (c) => {
        this.#loaded = true;
        const endpoint = c.serverMetadata().authorization_endpoint;
        this.#authorizationOrigin = endpoint ? new URL(endpoint).origin : undefined;
        return c;
      },
      (err: unknown) => {
        this.#configuration = undefined;
        this.#loaded = false;
        throw toIdpError(err);
      },
    );
    return this.#configuration;
  }

  async #discover(): Promise<oidc.Configuration> {
    const { issuer, clientId, clientSecret } = this.config.cognito;
    const issuerUrl = new URL(issuer);
    const auth = clientSecret ? oidc.ClientSecretBasic(clientSecret) : oidc.None();
    const timeout = Math.ceil(this.config.idpTimeoutMs / 1000);
    // config validation only lets http:// through on loopback hosts (the emulator)
    const execute = issuerUrl.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
    const configuration = await oidc.discovery(issuerUrl, clientId, undefined, auth, { execute, timeout });
    configuration.timeout = timeout;
    this.logger.info({ issuer }, 'oidc discovery loaded');
    return configuration;
  }

  /**
   * Builds the authorization request (code flow, PKCE S256, state and nonce always), with the
   * caller's vetted sign-in parameters, which come first so the BFF's own always win.
   * @see https://www.rfc-editor.org/rfc/rfc7636
   */
  async buildAuthorizationUrl(p: { state: string; nonce: string; codeVerifier: string }, extra: Readonly<Record<string, string>> = {}): Promise<URL> {
    const configuration = await this.configuration();
    return oidc.buildAuthorizationUrl(configuration, {
      ...extra,
      redirect_uri: this.redirectUri,
      scope: this.config.cognito.scopes,
      response_type: 'code',
      state: p.state,
      nonce: p.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(p.codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Redeems an authorization code and validates the ID token. @see https://openid.net/specs/openid-connect-core-1_0.html#TokenEndpoint */
  async authorizationCodeGrant(
    callbackUrl: URL,
    /** `maxAge`: the `max_age` the sign-in asked for; an ID token whose `auth_time` is older is refused. */
    checks: { state: string; nonce: string; codeVerifier: string; maxAge?: number },
    /** The request's trace (tracing.ts `traceOf`): the grant's span is its child. */
    parent?: SpanParent,
  ): Promise<GrantedTokens> {
    return idpSpan(parent, 'authorization_code', async () => {
      const configuration = await this.configuration();
      try {
        const response = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          pkceCodeVerifier: checks.codeVerifier,
          idTokenExpected: true,
          ...(checks.maxAge !== undefined ? { maxAge: checks.maxAge } : {}),
        });
        return toGranted(response, response.claims() as Record<string, unknown> | undefined);
      } catch (err) {
        throw toIdpError(err);
      }
    });
  }

  /** Runs the refresh_token grant (in a span child of `parent`, if given). @see https://www.rfc-editor.org/rfc/rfc6749#section-6 */
  async refreshTokenGrant(refreshToken: string, parent?: SpanParent): Promise<GrantedTokens> {
    return idpSpan(parent, 'refresh_token', async () => {
      const configuration = await this.configuration();
      try {
        const response = await oidc.refreshTokenGrant(configuration, refreshToken);
        // a refresh that returns an ID token (validated by openid-client) carries the user's current groups
        return toGranted(response, response.claims() as Record<string, unknown> | undefined);
      } catch (err) {
        throw toIdpError(err);
      }
    });
  }

  /**
   * Runs the client_credentials grant as the machine-to-machine app client (HTTP Basic), asking
   * for `scopes` (none: Cognito grants all the client's scopes). Cognito answers no refresh token.
   * In a span child of `parent`, if given.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
   */
  async clientCredentialsGrant(scopes: readonly string[], parent?: SpanParent): Promise<GrantedTokens> {
    return idpSpan(parent, 'client_credentials', async () => {
      const configuration = this.#forM2mClient(await this.configuration());
      try {
        return toGranted(await oidc.clientCredentialsGrant(configuration, scopes.length ? { scope: scopes.join(' ') } : {}));
      } catch (err) {
        throw toIdpError(err);
      }
    });
  }

  /**
   * The discovered server metadata with the M2M client's credentials: Cognito refuses
   * client_credentials to an app client that signs users in, so it is often another client.
   * Rebuilt whenever discovery was reloaded.
   */
  #forM2mClient(main: oidc.Configuration): oidc.Configuration {
    const m2m = this.config.m2mClient;
    if (!m2m || (m2m.clientId === this.config.cognito.clientId && m2m.clientSecret === this.config.cognito.clientSecret)) return main;
    if (this.#m2mConfiguration?.from === main) return this.#m2mConfiguration.configuration;
    const auth = m2m.clientSecret ? oidc.ClientSecretBasic(m2m.clientSecret) : oidc.None();
    const configuration = new oidc.Configuration(main.serverMetadata(), m2m.clientId, undefined, auth);
    configuration.timeout = main.timeout;
    // config validation only lets http:// through on loopback hosts (the emulator)
    if (new URL(this.config.cognito.issuer).protocol === 'http:') oidc.allowInsecureRequests(configuration);
    this.#m2mConfiguration = { from: main, configuration };
    return configuration;
  }

  /** Revokes a refresh token (Cognito revokes the tokens issued from it too), in a span child of `parent` if given. @see https://www.rfc-editor.org/rfc/rfc7009 */
  async revokeRefreshToken(refreshToken: string, parent?: SpanParent): Promise<void> {
    const configuration = await this.configuration();
    if (!configuration.serverMetadata().revocation_endpoint) return;
    await idpSpan(parent, 'revocation', async () => {
      try {
        await oidc.tokenRevocation(configuration, refreshToken, { token_type_hint: 'refresh_token' });
      } catch (err) {
        throw toIdpError(err);
      }
    });
  }

  /**
   * URL that ends the IdP's own session. Cognito (no `end_session_endpoint` in its discovery):
   * `/logout?client_id&logout_uri`; others: RP-initiated logout with `id_token_hint`.
   * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
   */
  async buildEndSessionUrl(idToken?: string): Promise<string> {
    const postLogout = `${this.config.publicUrl}/`;
    let configuration: oidc.Configuration;
    try {
      configuration = await this.configuration();
    } catch {
      return postLogout; // the local session is gone either way
    }
    const metadata = configuration.serverMetadata();
    if (metadata.end_session_endpoint) {
      return oidc
        .buildEndSessionUrl(configuration, {
          post_logout_redirect_uri: postLogout,
          ...(idToken ? { id_token_hint: idToken } : {}),
        })
        .toString();
    }
    if (metadata.authorization_endpoint && isCognito(metadata.issuer, metadata.authorization_endpoint)) {
      const url = new URL('/logout', metadata.authorization_endpoint);
      url.searchParams.set('client_id', this.config.cognito.clientId);
      url.searchParams.set('logout_uri', postLogout);
      return url.toString();
    }
    return postLogout;
  }
}

function isCognito(issuer: string, authorizationEndpoint: string): boolean {
  return COGNITO_HOST.test(new URL(issuer).hostname) || new URL(authorizationEndpoint).pathname === '/oauth2/authorize';
}

function toGranted(response: oidc.TokenEndpointResponse, claims?: Record<string, unknown>): GrantedTokens {
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    idToken: response.id_token,
    expiresIn: typeof response.expires_in === 'number' ? response.expires_in : 3600,
    ...(typeof response.scope === 'string' ? { scope: response.scope } : {}),
    claims,
  };
}
