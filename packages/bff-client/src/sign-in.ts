/**
 * The URL that starts sign-in at the BFF (`GET /auth/login`): a page navigates to it, it is not
 * fetched. Only the contract's sign-in parameters are sent, named as the OpenAPI document names them.
 */
import type { operations } from './generated/openapi.js';

/** The query of `GET /auth/login`, as the OpenAPI document describes it. */
export type LoginQuery = NonNullable<operations['login']['parameters']['query']>;

/** What {@link signInUrl} accepts: where to come back to, and the contract's sign-in parameters. */
export interface SignInOptions {
  /** Same-origin path to land on after sign-in (`/reports?page=2`); the BFF turns anything else into `/`. */
  returnTo?: string;
  /** Cognito: go straight to this federated IdP (`identity_provider`). */
  identityProvider?: string;
  /** Cognito: the IdP chosen by an identifier such as an email domain (`idp_identifier`). */
  idpIdentifier?: string;
  /** Prefill the username (`login_hint`). */
  loginHint?: string;
  /** `login` forces a new sign-in, `none` fails instead of asking (`prompt`). */
  prompt?: string;
  /** Language of Cognito's managed login pages (`lang`). */
  lang?: string;
  /** Authentication context class references (`acr_values`). */
  acrValues?: string;
  /** The sign-in must be at most this many seconds old (`max_age`). */
  maxAge?: number;
}

// Every option of SignInOptions has its query name; a parameter the document drops fails tsc here.
const QUERY_NAMES = {
  returnTo: 'returnTo',
  identityProvider: 'identity_provider',
  idpIdentifier: 'idp_identifier',
  loginHint: 'login_hint',
  prompt: 'prompt',
  lang: 'lang',
  acrValues: 'acr_values',
  maxAge: 'max_age',
} as const satisfies Record<keyof SignInOptions, keyof LoginQuery>;

/** Path of the BFF route that starts the authorization code flow. */
export const LOGIN_PATH = '/auth/login';

/**
 * `/auth/login?…` under `baseUrl` (default: this origin, a relative URL) with `options` as the
 * contract's query parameters; anything else in `options` is not sent.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
export function signInUrl(options: SignInOptions = {}, baseUrl = ''): string {
  const query = new URLSearchParams();
  for (const [option, name] of Object.entries(QUERY_NAMES) as [keyof SignInOptions, keyof LoginQuery][]) {
    const value = options[option];
    if (value !== undefined && value !== '') query.set(name, String(value));
  }
  const search = query.toString();
  return `${baseUrl.replace(/\/+$/, '')}${LOGIN_PATH}${search ? `?${search}` : ''}`;
}
