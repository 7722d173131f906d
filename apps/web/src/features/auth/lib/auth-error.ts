/**
 * Reading and clearing the `?authError=<code>` the BFF appends when a sign-in fails; the code is
 * parsed with the contract's schema, so a value it refuses is never taken for one of its codes.
 * @see ../../../../../../shared/docs/contract.md (GET /auth/callback)
 */
import { AUTH_ERROR_PARAM, authErrorCodeSchema, type AuthErrorCode } from '@app/shared-types';

/** `?authError=` with a value the contract does not have: the sign-in failed, for a reason the app cannot name. */
export const UNKNOWN_AUTH_ERROR: unique symbol = Symbol('unknown authError');

/** What `?authError=` says: one of the contract's codes, or {@link UNKNOWN_AUTH_ERROR}. */
export type AuthErrorReading = AuthErrorCode | typeof UNKNOWN_AUTH_ERROR;

const MESSAGES: Record<AuthErrorCode, string> = {
  access_denied: 'Sign-in was cancelled or access was denied. You can try again whenever you are ready.',
  invalid_callback: 'The sign-in response could not be verified, so no session was created. Please sign in again.',
  idp_unavailable: 'The identity provider could not be reached. Please try again in a moment.',
  session_store_unavailable: 'Your session could not be saved because the session store is unavailable. Please try again shortly.',
  login_failed: 'Sign-in did not complete. Please try again.',
};

const FALLBACK_MESSAGE = 'Something went wrong while signing in. Please try again.';

/** A readable sentence for an `authError` code; anything the contract's schema refuses gets a generic one. */
export function authErrorMessage(code: unknown): string {
  const parsed = authErrorCodeSchema.safeParse(code);
  return parsed.success ? MESSAGES[parsed.data] : FALLBACK_MESSAGE;
}

/** The `authError` of a query string: null without one, else its code as the schema reads it. */
export function readAuthError(search: string): AuthErrorReading | null {
  const value = new URLSearchParams(search).get(AUTH_ERROR_PARAM);
  if (!value) return null;
  const parsed = authErrorCodeSchema.safeParse(value);
  return parsed.success ? parsed.data : UNKNOWN_AUTH_ERROR;
}

/** `search` without `authError`, with its leading `?` (or empty). */
export function withoutAuthError(search: string): string {
  const params = new URLSearchParams(search);
  params.delete(AUTH_ERROR_PARAM);
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}
