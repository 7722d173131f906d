import { parse } from 'cookie';
import signature from 'cookie-signature';
import type { CookieOptions } from 'express-session';
import type { Config } from '../config.js';
import { Lru } from '../util/lru.js';

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

/** Cookies already verified: one HMAC per cookie instead of one per request. */
const verified = new Lru<string, string>(4096);

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
  const cacheKey = `${secret}\u0000${value}`;
  const known = verified.get(cacheKey);
  if (known) return known;
  const sid = signature.unsign(value.slice(2), secret);
  if (typeof sid !== 'string' || sid.length === 0) return undefined;
  verified.set(cacheKey, sid); // only cookies whose signature checked out are remembered
  return sid;
}

/** A `Set-Cookie` value that removes the session cookie. */
export function clearedCookie(config: Pick<Config, 'secureCookies'>): string {
  return `${cookieName(config)}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${config.secureCookies ? '; Secure' : ''}`;
}
