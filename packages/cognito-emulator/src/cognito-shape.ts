// koa middleware around oidc-provider's own routes: what goes in and out is reshaped to look
// like Cognito (discovery document, token response, access-token format), and the test counters
// are kept here.
import type { KoaContext, KoaMiddleware, OIDCContext } from 'oidc-provider';
import { backchannelAdvertised } from './backchannel.js';
import { countedGrant, type Runtime } from './runtime.js';

/** The keys of a real Cognito discovery document, in Cognito's (alphabetical) order. */
const COGNITO_DISCOVERY_KEYS = [
  'authorization_endpoint',
  'id_token_signing_alg_values_supported',
  'issuer',
  'jwks_uri',
  'response_types_supported',
  'revocation_endpoint',
  'scopes_supported',
  'subject_types_supported',
  'token_endpoint',
  'token_endpoint_auth_methods_supported',
  'userinfo_endpoint',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** oidc-provider defines `ctx.oidc` only on its own routes; reading params can throw before parsing. */
function oidcParam(oidc: OIDCContext | undefined, name: string): unknown {
  try {
    return oidc?.params?.[name];
  } catch {
    return undefined;
  }
}

/**
 * Keeps only what Cognito publishes: no end_session_endpoint, no code_challenge_methods_supported.
 * The back-channel logout keys (not Cognito's) appear only when a client registered a receiver.
 */
function reshapeDiscovery(body: Record<string, unknown>, backchannel: boolean): Record<string, unknown> {
  const keys: string[] = [...COGNITO_DISCOVERY_KEYS];
  if (backchannel) keys.push('backchannel_logout_session_supported', 'backchannel_logout_supported');
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) out[key] = body[key];
  // Public clients ('none') work too, but Cognito advertises only the two secret-based methods.
  out.token_endpoint_auth_methods_supported = ['client_secret_basic', 'client_secret_post'];
  return out;
}

/** The client_credentials response: a Cognito M2M JWT instead of the stored opaque token, and nothing else. */
async function reshapeClientCredentialsResponse(rt: Runtime, oidc: OIDCContext, body: Record<string, unknown>) {
  const stored = typeof body.access_token === 'string' ? await oidc.provider.ClientCredentials.find(body.access_token) : undefined;
  if (!stored) throw new Error('issued client credentials token not found in the adapter');
  body.access_token = await rt.codec.signClientToken({
    jti: stored.jti,
    iat: stored.iat,
    exp: stored.exp,
    clientId: stored.clientId,
    scope: stored.scope ?? '',
  });
}

async function reshapeTokenResponse(rt: Runtime, oidc: OIDCContext, body: Record<string, unknown>, grant: string) {
  if (grant === 'client_credentials') return reshapeClientCredentialsResponse(rt, oidc, body);
  const stored = typeof body.access_token === 'string' ? await oidc.provider.AccessToken.find(body.access_token) : undefined;
  const user = stored ? rt.usersBySub.get(stored.accountId) : undefined;
  if (!stored || !user) throw new Error('issued access token not found in the adapter');
  const authTime = oidc.entities.AuthorizationCode?.authTime ?? oidc.entities.RefreshToken?.authTime;
  body.access_token = await rt.codec.sign({
    jti: stored.jti,
    iat: stored.iat,
    exp: stored.exp,
    sub: stored.accountId,
    clientId: stored.clientId,
    scope: stored.scope,
    username: user.username,
    groups: user.groups,
    authTime,
  });
  // Cognito's token response has no `scope`, and a refresh without rotation returns no refresh token.
  delete body.scope;
  if (grant === 'refresh_token' && !rt.options.rotateRefreshTokens) delete body.refresh_token;
}

/** Cognito answers `unauthorized_client` when an app client uses a flow it is not allowed; oidc-provider says `invalid_request`. */
function renameGrantNotAllowed(ctx: KoaContext): void {
  const body = ctx.body;
  if (ctx.status === 400 && isRecord(body) && body.error === 'invalid_request' && body.error_description === 'requested grant type is not allowed for this client') {
    ctx.body = { error: 'unauthorized_client', error_description: body.error_description };
  }
}

/** Cognito's authorization response has no RFC 9207 `iss` parameter. */
function dropIssParameter(ctx: KoaContext, rt: Runtime): void {
  const location = ctx.response.get('Location');
  if (!location) return;
  const url = new URL(location, rt.issuer);
  if (url.origin === new URL(rt.issuer).origin || !url.searchParams.has('iss')) return;
  url.searchParams.delete('iss');
  ctx.set('Location', url.href);
}

/** The middleware; register with `provider.use`. */
export function cognitoShape(rt: Runtime): KoaMiddleware {
  return async function cognitoShapeMiddleware(ctx, next) {
    if (ctx.path.toLowerCase() === '/oauth2/userinfo') {
      const [scheme, token] = (ctx.headers.authorization ?? '').split(' ');
      const opaque = scheme?.toLowerCase() === 'bearer' && token ? await rt.codec.opaqueId(token) : undefined;
      if (opaque) ctx.req.headers.authorization = `Bearer ${opaque}`;
    }

    await next();

    const { oidc } = ctx;
    switch (oidc?.route) {
      case 'discovery':
        if (ctx.status === 200 && isRecord(ctx.body)) ctx.body = reshapeDiscovery(ctx.body, backchannelAdvertised(rt));
        break;
      case 'token': {
        const grant = countedGrant(oidcParam(oidc, 'grant_type'));
        if (!grant) break;
        const ok = ctx.status === 200 && isRecord(ctx.body);
        if (ok) await reshapeTokenResponse(rt, oidc, ctx.body as Record<string, unknown>, grant);
        else renameGrantNotAllowed(ctx);
        rt.state.updateStats((s) => {
          s.tokenRequests[grant] += 1;
          if (ok) s.grants[grant] += 1;
        });
        break;
      }
      case 'revocation':
        if (ctx.status === 200) rt.state.updateStats((s) => (s.revocations += 1));
        break;
      case 'authorization':
      case 'resume':
        dropIssParameter(ctx, rt);
        break;
      default:
    }
  };
}

/** Counts refresh-token reuse, which oidc-provider answers by revoking the whole grant. */
export function countRefreshTokenReuse(rt: Runtime): void {
  rt.provider.on('grant.error', (_ctx, err) => {
    if (isRecord(err) && err.error_detail === 'refresh token already used') {
      rt.state.updateStats((s) => (s.refreshTokenReuse += 1));
    }
  });
}
