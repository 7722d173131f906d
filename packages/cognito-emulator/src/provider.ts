// The one module that configures oidc-provider: a code-flow-only OP whose clients, users, token
// lifetimes and refresh-token rules are those of a Cognito user pool.
// @see https://github.com/panva/node-oidc-provider/blob/main/docs/README.md
import type { JWK } from 'jose';
import Provider, { type GrantInstance, type KoaContext } from 'oidc-provider';
import { backchannelFetch } from './backchannel.js';
import { CLIENT_CREDENTIALS_PARAMETERS, clientCredentialsHandler } from './client-credentials.js';
import { flowsOf, type EmulatorClient, type SeedUser } from './options.js';
import { errorPage } from './pages.js';
import type { Runtime } from './runtime.js';
import { redirectUriAllowed, registeredRedirectUris } from './uris.js';

/** Scopes a Cognito pool advertises (`aws.cognito.signin.user.admin` is not emulated). */
export const SCOPES = ['openid', 'email', 'phone', 'profile'] as const;

/** Cognito's paths on the hosted-UI domain; discovery and JWKS live under the issuer. */
export function routes(poolId: string) {
  return {
    authorization: '/oauth2/authorize',
    token: '/oauth2/token',
    userinfo: '/oauth2/userInfo',
    revocation: '/oauth2/revoke',
    jwks: `/${poolId}/.well-known/jwks.json`,
  };
}

/** The claims of `user` for an ID token or the userinfo response, shaped like Cognito's. */
export function userClaims(user: SeedUser, use: string): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: user.sub,
    email: user.email,
    email_verified: user.email === undefined ? undefined : (user.emailVerified ?? false),
    name: user.name,
  };
  if (use === 'id_token') {
    claims['cognito:username'] = user.username;
    if (user.groups.length) claims['cognito:groups'] = user.groups;
    claims.token_use = 'id';
  } else {
    claims.username = user.username;
  }
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

function clientMetadata(client: EmulatorClient): Record<string, unknown> {
  if (flowsOf(client).includes('client_credentials')) {
    // machine to machine: no user, no redirect, never a refresh token (resolveOptions ensured a secret)
    return {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    };
  }
  return {
    client_id: client.clientId,
    ...(client.clientSecret
      ? { client_secret: client.clientSecret, token_endpoint_auth_method: 'client_secret_basic' }
      : { token_endpoint_auth_method: 'none' }),
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: registeredRedirectUris(client),
    require_auth_time: true,
    id_token_signed_response_alg: 'RS256',
    ...(client.backchannelLogoutUri
      ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
  };
}

function oidcOf(ctx: KoaContext) {
  if (!ctx.oidc) throw new Error('oidc-provider context missing');
  return ctx.oidc;
}

/**
 * Cognito has no consent screen: the grant covers whatever supported scopes were asked for.
 * Every authorization gets a grant of its own (only the one this interaction just made is reused),
 * as each Cognito sign-in gets a refresh token of its own: revoking one (a sign-out, a session
 * replaced by a new sign-in) must not revoke the tokens of another sign-in through the same
 * hosted-UI session, which a shared grant would.
 */
async function loadOrCreateGrant(ctx: KoaContext): Promise<GrantInstance> {
  const oidc = oidcOf(ctx);
  const { provider } = oidc;
  const clientId = oidc.client?.clientId;
  const accountId = oidc.session.accountId;
  if (!clientId || !accountId) throw new Error('grant requested without client or signed-in user');
  const existingId = oidc.result?.consent?.grantId;
  const existing = existingId ? await provider.Grant.find(existingId) : undefined;
  const grant = existing?.accountId === accountId ? existing : new provider.Grant({ accountId, clientId });
  const supported: readonly string[] = SCOPES;
  grant.addOIDCScope([...oidc.requestParamScopes].filter((s) => supported.includes(s)).join(' '));
  await grant.save();
  return grant;
}

/** Creates the oidc-provider instance for one emulator. */
export function createProvider(
  rt: Omit<Runtime, 'provider' | 'behaviour' | 'inFlight'>,
  keys: { signingKey: JWK; cookieKeys: string[] },
): Provider {
  const { options } = rt;
  const configuration = {
    adapter: (model: string) => rt.state.adapterFor(model),
    clients: options.clients.map(clientMetadata),
    jwks: { keys: [keys.signingKey] },
    cookies: { keys: keys.cookieKeys },
    clockTolerance: 0,
    async findAccount(_ctx: KoaContext, sub: string) {
      const user = rt.usersBySub.get(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: async (use: string) => userClaims(user, use) };
    },
    claims: {
      openid: ['sub', 'cognito:username', 'cognito:groups', 'token_use', 'username'],
      email: ['email', 'email_verified'],
      phone: ['phone_number', 'phone_number_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale', 'zoneinfo', 'updated_at'],
    },
    scopes: [...SCOPES],
    responseTypes: ['code'],
    subjectTypes: ['public'],
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    // ID tokens carry the user's claims even though an access token is issued, as Cognito's do.
    conformIdTokenClaims: false,
    pkce: { required: () => false },
    // Cognito issues a refresh token on every code grant, without offline_access, and it outlives
    // the hosted-UI session (logout does not revoke it).
    issueRefreshToken: async (_ctx: KoaContext, client: { grantTypeAllowed(t: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: () => options.rotateRefreshTokens,
    loadExistingGrant: loadOrCreateGrant,
    interactions: { url: (_ctx: KoaContext, interaction: { uid: string }) => `/login/${interaction.uid}` },
    fetch: backchannelFetch(rt),
    routes: routes(options.poolId),
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      ClientCredentials: options.clientCredentialsTtlSeconds,
      IdToken: options.idTokenTtlSeconds,
      RefreshToken: options.refreshTokenTtlSeconds,
      Grant: options.refreshTokenTtlSeconds,
      AuthorizationCode: 300,
      Interaction: 3600,
      Session: 3600,
    },
    features: {
      devInteractions: { enabled: false },
      // Cognito has its own /logout instead of RP-initiated logout (no end_session_endpoint).
      rpInitiatedLogout: { enabled: false },
      // Not Cognito's (it sends none): only clients with a backchannelLogoutUri get logout tokens,
      // from /logout and the /__emulator/backchannel-logout hook (backchannel.ts).
      backchannelLogout: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: KoaContext, client: { clientId: string }, token: { clientId?: string }) =>
          token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      introspection: { enabled: false },
      claimsParameter: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      resourceIndicators: { enabled: false },
    },
    clientBasedCORS: () => false,
    async renderError(ctx: KoaContext, out: Record<string, string | undefined>) {
      ctx.set('Content-Type', 'text/html; charset=utf-8');
      ctx.body = errorPage('Something went wrong', out);
    },
  };
  const provider = new Provider(rt.issuer, configuration);
  // features.clientCredentials stays off: this is Cognito's version of the grant (client-credentials.ts).
  provider.registerGrantType('client_credentials', clientCredentialsHandler(rt), CLIENT_CREDENTIALS_PARAMETERS);

  // Cognito matches registered callback URLs; with none registered the emulator accepts any
  // loopback origin. Documented oidc-provider extension point (recipe: redirect_uri wildcards).
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowedForClient(
    this: { clientId: string },
    value: string,
  ): boolean {
    const client = rt.clients.get(this.clientId);
    return client !== undefined && redirectUriAllowed(client, value);
  };
  return provider;
}
