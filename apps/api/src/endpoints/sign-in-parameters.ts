/**
 * Query parameters of `/auth/login` that are passed on to the authorization request (contract,
 * "Sign-in parameters"): Cognito's federated sign-in (`identity_provider`, `idp_identifier`),
 * `lang` of its managed login, and the standard OpenID Connect request parameters a page may set.
 * @see https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest
 */
import { SIGN_IN_PARAMETER_MAX_LENGTH, SIGN_IN_PARAMETERS } from '@app/shared-types';

// The list and the length limit are the contract's, shared with the clients that build login URLs.
export { SIGN_IN_PARAMETER_MAX_LENGTH, SIGN_IN_PARAMETERS };

/** Sign-in parameters as they go to the authorization request. */
export type SignInParameters = Partial<Record<(typeof SIGN_IN_PARAMETERS)[number], string>>;

// C0 and C1 control characters and DEL
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Picks the allowed sign-in parameters out of the login request's query. Each must be one
 * non-empty string of at most {@link SIGN_IN_PARAMETER_MAX_LENGTH} characters without control
 * characters; anything else (repeated, too long, empty) is dropped. Everything not listed in
 * {@link SIGN_IN_PARAMETERS} is ignored, so none can stand in for the BFF's own parameters.
 */
export function signInParameters(query: Readonly<Record<string, unknown>>): SignInParameters {
  const picked: SignInParameters = {};
  for (const name of SIGN_IN_PARAMETERS) {
    const value = query[name];
    if (typeof value !== 'string' || value.length === 0 || value.length > SIGN_IN_PARAMETER_MAX_LENGTH || CONTROL.test(value)) continue;
    // max_age is a number of seconds the callback enforces: anything else is dropped, never sent
    if (name === 'max_age' && !/^\d{1,9}$/.test(value)) continue;
    picked[name] = value;
  }
  return picked;
}
