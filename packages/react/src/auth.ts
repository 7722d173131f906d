/**
 * `signIn()` and `signOut()`: full-page navigations, because the authorization code flow and
 * RP-initiated logout happen between the browser, the BFF and the IdP, never in a script.
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 */
import { signInUrl, type BffClient, type LogoutResponse, type SignInOptions } from '@app/bff-client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { defaultBffClient, useBffClient } from './client-context.js';
import { bffQueryKeys } from './query-keys.js';

export type { SignInOptions };

/** The page's path and query: where sign-in comes back to by default. */
function currentPath(): string {
  return `${window.location.pathname}${window.location.search}`;
}

/**
 * Navigates to the BFF's `/auth/login` with `returnTo` (default: this page) and the contract's
 * sign-in parameters (`identityProvider`, `loginHint`, `prompt`, …); nothing else is sent.
 */
export function signIn(options: SignInOptions & { client?: BffClient } = {}): void {
  const { client = defaultBffClient(), ...rest } = options;
  window.location.assign(signInUrl({ ...rest, returnTo: rest.returnTo ?? currentPath() }, client.baseUrl));
}

/** Options of {@link signOut}. */
export interface SignOutOptions {
  /** End every session of the user, on all devices, not only this one. */
  everywhere?: boolean;
  /** Go on to the IdP's logout page (default true); false only ends the BFF session. */
  redirect?: boolean;
  client?: BffClient;
}

/**
 * `POST /auth/logout` (with `X-CSRF: 1`), then navigates to the IdP's logout URL so its own
 * session ends too. Only an http(s) URL is followed. Resolves with the logout URL.
 */
export async function signOut(options: SignOutOptions = {}): Promise<LogoutResponse> {
  const { client = defaultBffClient(), everywhere = false, redirect = true } = options;
  const answer = await client.logout({ everywhere });
  const { protocol } = new URL(answer.logoutUrl, window.location.href);
  if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError(`refusing to follow a logoutUrl with the scheme ${protocol}`);
  if (redirect) window.location.assign(answer.logoutUrl);
  return answer;
}

/** {@link signOut} as a mutation (pending and error states for a button); marks the session signed out. */
export function useSignOut() {
  const client = useBffClient();
  const queryClient = useQueryClient();
  return useMutation({
    mutationKey: [...bffQueryKeys.all, 'sign-out'],
    mutationFn: (options: Omit<SignOutOptions, 'client'> | void) => signOut({ ...options, client }),
    onSuccess: () => {
      queryClient.setQueryData(bffQueryKeys.session, { authenticated: false });
      queryClient.removeQueries({ queryKey: bffQueryKeys.sessions });
    },
  });
}
