// Which redirect and logout URIs an app client may use. Cognito matches registered URIs exactly;
// the emulator does too when a client lists them, and otherwise accepts any loopback origin so a
// dev server or a test on a random port works without configuration.
import { flowsOf, type EmulatorClient } from './options.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Path a loopback redirect URI must have when the client lists none. */
export const DEFAULT_CALLBACK_PATH = '/auth/callback';
/** Path a loopback logout URI must have when the client lists none. */
export const DEFAULT_LOGOUT_PATH = '/';

function parse(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** True for `http://localhost:<port><path>`, `http://127.0.0.1:<port><path>`, `http://[::1]:<port><path>`. */
export function isLoopbackUri(value: string, path: string): boolean {
  const url = parse(value);
  return (
    url !== undefined &&
    url.protocol === 'http:' &&
    LOOPBACK_HOSTS.has(url.hostname) &&
    url.pathname === path &&
    !url.search &&
    !url.hash &&
    !url.username &&
    !url.password
  );
}

/** Whether `client` may be sent back to `value` after sign-in (never, for a machine-to-machine client). */
export function redirectUriAllowed(client: EmulatorClient, value: string): boolean {
  if (!flowsOf(client).includes('code')) return false;
  return client.redirectUris ? client.redirectUris.includes(value) : isLoopbackUri(value, DEFAULT_CALLBACK_PATH);
}

/** Whether `client` may be sent to `value` after `/logout`. */
export function logoutUriAllowed(client: EmulatorClient, value: string): boolean {
  return client.logoutUris ? client.logoutUris.includes(value) : isLoopbackUri(value, DEFAULT_LOGOUT_PATH);
}

/** URIs to register with oidc-provider, which needs at least one valid redirect URI per client. */
export function registeredRedirectUris(client: EmulatorClient): string[] {
  return client.redirectUris ?? [...LOOPBACK_HOSTS].map((host) => `http://${host}${DEFAULT_CALLBACK_PATH}`);
}
