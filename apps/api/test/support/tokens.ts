import { signIn } from '@app/cognito-emulator';
import type { TestBff } from './bff.js';
import { readSessionId } from '../../src/session/cookie.js';

/** Tokens straight from the emulator's token endpoint, as a CLI or mobile app would get them. */
export interface RawTokens {
  access_token: string;
  id_token: string;
  refresh_token?: string;
  expires_in: number;
}

/** Runs a code flow for any client directly against the emulator (no BFF involved). */
export async function tokensFor(idpUrl: string, client: { id: string; secret: string }, username = 'alice'): Promise<RawTokens> {
  const redirectUri = 'http://127.0.0.1:9/auth/callback';
  const authorize = new URL(`${idpUrl}/oauth2/authorize`);
  authorize.search = new URLSearchParams({ client_id: client.id, response_type: 'code', scope: 'openid email profile', redirect_uri: redirectUri, state: 'state-123456', nonce: 'nonce-123456' }).toString();
  const callback = await signIn(authorize, username, 'Passw0rd!');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code: ${callback}`);
  const res = await fetch(`${idpUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
  });
  if (!res.ok) throw new Error(`token endpoint: ${res.status} ${await res.text()}`);
  return (await res.json()) as RawTokens;
}

/** The session id inside a `bff.sid=…` cookie. */
export function sidOf(bff: TestBff, cookie: string): string {
  const sid = readSessionId(cookie, bff.deps.cookieName, bff.deps.config.sessionSecret);
  if (!sid) throw new Error('not a session cookie of this BFF');
  return sid;
}

/** Decrypts a session's record through the BFF's own store (test-only peek at what Redis holds). */
export async function recordOf(bff: TestBff, cookie: string) {
  const found = await bff.deps.tokens.read(sidOf(bff, cookie));
  if (!found) throw new Error('no token record');
  return found;
}

/**
 * Waits until an access token expiring at `expiresAt` (unix seconds) is 1.5 s from expiry: close
 * enough that a request waits for its refresh (refresh-ahead only serves tokens with more than
 * 2 s left). Tests that count grants after a burst use tokens of several seconds: a refreshed
 * token re-enters its refresh window after half its lifetime, and a burst request that a loaded
 * machine delays that long would rightly refresh once more.
 */
export async function waitUntilRefreshIsDue(expiresAt: number): Promise<void> {
  const wait = expiresAt * 1000 - 1_500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
