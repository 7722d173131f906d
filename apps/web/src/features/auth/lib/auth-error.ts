/**
 * Reading and clearing the `?authError=<code>` the BFF appends when a sign-in fails.
 * @see ../../../../../../shared/docs/contract.md (GET /auth/callback)
 */
import type { AuthErrorCode } from '@app/shared-types';

/** Name of the query parameter the BFF sets on `/` after a failed sign-in. */
export const AUTH_ERROR_PARAM = 'authError';

const MESSAGES: Record<AuthErrorCode, string> = {
  access_denied: 'Sign-in was cancelled or access was denied. You can try again whenever you are ready.',
  invalid_callback: 'The sign-in response could not be verified, so no session was created. Please sign in again.',
  idp_unavailable: 'The identity provider could not be reached. Please try again in a moment.',
  session_store_unavailable: 'Your session could not be saved because the session store is unavailable. Please try again shortly.',
  login_failed: 'Sign-in did not complete. Please try again.',
};

const FALLBACK_MESSAGE = 'Something went wrong while signing in. Please try again.';

/** A readable sentence for an `authError` code; unknown codes get a generic one. */
export function authErrorMessage(code: string): string {
  return Object.hasOwn(MESSAGES, code) ? MESSAGES[code as AuthErrorCode] : FALLBACK_MESSAGE;
}

/** The `authError` code of a query string, if any. */
export function readAuthError(search: string): string | null {
  const code = new URLSearchParams(search).get(AUTH_ERROR_PARAM);
  return code ? code : null;
}

/** `search` without `authError`, with its leading `?` (or empty). */
export function withoutAuthError(search: string): string {
  const params = new URLSearchParams(search);
  params.delete(AUTH_ERROR_PARAM);
  const rest = params.toString();
  return rest ? `?${rest}` : '';
}
