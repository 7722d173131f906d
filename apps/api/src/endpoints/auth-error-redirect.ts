import type { Response } from 'express';
import { AUTH_ERROR_PARAM, type AuthErrorCode } from '@app/shared-types';

/** Sends a browser whose sign-in failed back to the app's `/?authError=<code>` (never cached); `code` is one the contract's schema has. */
export function redirectToAuthError(res: Response, code: AuthErrorCode): void {
  res.set('cache-control', 'no-store').redirect(302, `/?${AUTH_ERROR_PARAM}=${code}`);
}
