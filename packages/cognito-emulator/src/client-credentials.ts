// Cognito's machine-to-machine grant. oidc-provider's own client_credentials handler passes
// unknown scopes through and takes no scope as "no scope"; Cognito answers `invalid_scope` for
// any scope the app client is not allowed and grants all of the client's scopes when none is
// asked for. So the emulator registers its own handler for the grant type; oidc-provider still
// authenticates the client and checks that the client may use the grant at all.
// @see https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
import { errors, type KoaContext } from 'oidc-provider';
import type { Runtime } from './runtime.js';

/** The grant's parameters besides `grant_type` and client authentication. */
export const CLIENT_CREDENTIALS_PARAMETERS = ['scope'];

/** Scopes to grant: the requested ones when every one is allowed, all allowed ones when none is requested. */
export function grantedScopes(requested: unknown, allowed: readonly string[]): string[] | { invalid: string } {
  const asked = typeof requested === 'string' ? requested.split(' ').filter(Boolean) : [];
  if (asked.length === 0) return [...allowed];
  const invalid = asked.find((s) => !allowed.includes(s));
  return invalid === undefined ? [...new Set(asked)] : { invalid };
}

/**
 * The token-endpoint handler for `grant_type=client_credentials`. It stores an opaque
 * ClientCredentials token (so the id is known again) and answers with its value; the
 * cognito-shape middleware turns that into the JWT a client sees.
 */
export function clientCredentialsHandler(rt: Pick<Runtime, 'clients'>) {
  return async function clientCredentials(ctx: KoaContext): Promise<void> {
    const oidc = ctx.oidc;
    const client = oidc?.client;
    if (!oidc || !client) throw new Error('oidc-provider context missing');
    const allowed = rt.clients.get(client.clientId)?.allowedOAuthScopes ?? [];
    const scopes = grantedScopes(oidc.params?.scope, allowed);
    if ('invalid' in scopes) throw new errors.InvalidScope('requested scope is not allowed', scopes.invalid);
    const token = new oidc.provider.ClientCredentials({ client, scope: scopes.join(' ') });
    const value = await token.save();
    ctx.body = { access_token: value, expires_in: token.expiration, token_type: 'Bearer' };
  };
}
