import { parse } from 'cookie';
import signature from 'cookie-signature';
import type { CookieOptions } from 'express-session';
import type { Config } from '../config.js';

/**
 * Name of the one cookie: `__Host-` prefixed when the app is served over https (the browser then
 * insists on Secure, Path=/ and no Domain).
 */
export function cookieName(config: Pick<Config, 'secureCookies'>): string {
  return config.secureCookies ? '__Host-bff.sid' : 'bff.sid';
}

/** Attributes of the session cookie (contract: HttpOnly, SameSite=Lax, Path=/, Secure on https). */
export function cookieOptions(config: Pick<Config, 'secureCookies' | 'sessionTtlSeconds'>): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.secureCookies,
    maxAge: config.sessionTtlSeconds * 1000,
  };
}

/**
 * Reads the session id from a raw `Cookie` header without Express (the fast path of `/api/*` and
 * `/session`), checking the signature the way express-session writes it (`s:<sid>.<hmac>`).
 */
export function readSessionId(cookieHeader: string | undefined, name: string, secret: string): string | undefined {
  if (!cookieHeader || !cookieHeader.includes(name)) return undefined;
  let value: string | undefined;
  try {
    value = parse(cookieHeader)[name];
  } catch {
    return undefined;
  }
  if (!value?.startsWith('s:')) return undefined;
  const sid = signature.unsign(value.slice(2), secret);
  return typeof sid === 'string' && sid.length > 0 ? sid : undefined;
}

/** A `Set-Cookie` value that removes the session cookie. */
export function clearedCookie(config: Pick<Config, 'secureCookies'>): string {
  return `${cookieName(config)}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${config.secureCookies ? '; Secure' : ''}`;
}
