import { parse } from 'cookie';
import signature from 'cookie-signature';
import type { CookieOptions } from 'express-session';
import type { Config } from '../config/config.js';
import { Lru } from '../kernel/lru.js';

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

/** A verified session cookie: the session id, and whether the current secret signed it. */
export interface SignedSessionId {
  sid: string;
  /** False when a previous secret (`PREVIOUS_SESSION_SECRETS`) signed it: re-sign it. */
  current: boolean;
}

/**
 * Cookies already verified, one cache per key ring (the config's frozen array): one HMAC per
 * cookie instead of one per request, and a cookie verified under one ring never counts as
 * verified under another (a later ring without the old secret, in-process tests).
 */
const verifiedByRing = new WeakMap<readonly string[], Lru<string, SignedSessionId>>();

/** `cookie.parse` options that keep every value as sent (decoded below, only for a cookie not seen before). */
const RAW = { decode: (value: string) => value };

/** A cookie value URI-decoded as `cookie.parse` decodes by default: as sent when it holds no `%` or does not decode. */
function uriDecoded(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Reads the session id from a raw `Cookie` header without Express (the fast path of `/api/*` and
 * `/session`), checking the signature the way express-session writes it (`s:<sid>.<hmac>`)
 * against each secret of the ring, current first.
 */
export function readSignedSessionId(cookieHeader: string | undefined, name: string, secrets: readonly string[]): SignedSessionId | undefined {
  if (!cookieHeader || !cookieHeader.includes(name)) return undefined;
  let raw: string | undefined;
  try {
    raw = parse(cookieHeader, RAW)[name];
  } catch {
    return undefined;
  }
  if (raw === undefined) return undefined;
  let verified = verifiedByRing.get(secrets);
  if (!verified) verifiedByRing.set(secrets, (verified = new Lru<string, SignedSessionId>(4096)));
  // keyed by the value as sent: a known cookie is not URI-decoded again
  const known = verified.get(raw);
  if (known) return known;
  const value = uriDecoded(raw);
  if (!value.startsWith('s:')) return undefined;
  for (const [i, secret] of secrets.entries()) {
    const sid = signature.unsign(value.slice(2), secret);
    if (typeof sid !== 'string' || sid.length === 0) continue;
    const found = { sid, current: i === 0 };
    verified.set(raw, found); // only cookies whose signature checked out are remembered
    return found;
  }
  return undefined;
}

/** The session id of a cookie signed by any secret of the ring (a single secret: a ring of one). */
export function readSessionId(cookieHeader: string | undefined, name: string, secrets: string | readonly string[]): string | undefined {
  return readSignedSessionId(cookieHeader, name, typeof secrets === 'string' ? [secrets] : secrets)?.sid;
}

/**
 * A `Set-Cookie` value carrying `sid` signed with `secret`, exactly as express-session writes it
 * (`s:<sid>.<hmac>`, URI-encoded), expiring at the session's absolute expiry: used to re-sign a
 * cookie made under a previous secret.
 */
export function signedCookie(config: Pick<Config, 'secureCookies'>, secret: string, sid: string, expiresAtSeconds: number): string {
  const value = encodeURIComponent(`s:${signature.sign(sid, secret)}`);
  const expires = new Date(expiresAtSeconds * 1000).toUTCString();
  return `${cookieName(config)}=${value}; Path=/; Expires=${expires}; HttpOnly; SameSite=Lax${config.secureCookies ? '; Secure' : ''}`;
}

/** A `Set-Cookie` value that removes the session cookie. */
export function clearedCookie(config: Pick<Config, 'secureCookies'>): string {
  return `${cookieName(config)}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${config.secureCookies ? '; Secure' : ''}`;
}

/**
 * What a response does with the session cookie, as the session lookup and the access policy
 * decide it and return it (they never write on a response): `reissue` re-signs a cookie made
 * under a previous secret, `clear` removes one that names a session that is gone. The endpoint
 * writes `setCookie` as the `Set-Cookie` header.
 */
export interface CookieUpdate {
  kind: 'reissue' | 'clear';
  setCookie: string;
}

/** The update that removes the session cookie. */
export function cookieCleared(config: Pick<Config, 'secureCookies'>): CookieUpdate {
  return { kind: 'clear', setCookie: clearedCookie(config) };
}

/** The `Set-Cookie` header an endpoint writes for `update`, or none. */
export function setCookieHeader(update: CookieUpdate | undefined): { 'set-cookie': string } | undefined {
  return update ? { 'set-cookie': update.setCookie } : undefined;
}
