/**
 * `POST /auth/logout`: the BFF ends the session and answers where to go to end the IdP's own
 * session (RP-initiated logout), which the browser then navigates to.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
import type { LogoutRequest, LogoutResponse } from '@app/shared-types';
import { useMutation } from '@tanstack/react-query';
import { postJson } from '../../../lib/api-client';

/** Checks the logout answer; only an http(s) URL is followed. */
export function parseLogoutResponse(body: unknown): LogoutResponse {
  const logoutUrl = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).logoutUrl : undefined;
  if (typeof logoutUrl !== 'string') throw new TypeError('logoutUrl is missing');
  const { protocol } = new URL(logoutUrl, window.location.origin);
  if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError('logoutUrl is not an http(s) URL');
  return { logoutUrl };
}

/**
 * Ends the session at the BFF and returns the IdP logout URL; `{ everywhere: true }` ends every
 * session of the user, on all devices.
 */
export function logout(options: LogoutRequest = {}): Promise<LogoutResponse> {
  if (!options.everywhere) return postJson('/auth/logout', parseLogoutResponse);
  return postJson('/auth/logout', parseLogoutResponse, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ everywhere: true }) });
}

/** Signs out (here, or everywhere), then leaves the app for the IdP's logout page. */
export function useLogout() {
  return useMutation({
    mutationKey: ['auth', 'logout'],
    mutationFn: (options: LogoutRequest | void) => logout(options ?? {}),
    onSuccess: ({ logoutUrl }) => {
      window.location.assign(logoutUrl);
    },
  });
}
