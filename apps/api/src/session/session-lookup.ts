import type { IncomingMessage } from 'node:http';
import type { Deps } from '../deps.js';
import { nowSeconds, type VersionedRecord } from '../tokens/token-record.js';
import { readSessionId } from './cookie.js';

/** A browser request's session, as far as the cookie and Redis tell. */
export type SessionLookup =
  | { kind: 'anonymous'; hadCookie: boolean }
  | { kind: 'session'; sid: string; current: VersionedRecord };

/**
 * Resolves the cookie to a live session with one Redis round trip (the sealed token record and,
 * in the same hash, the last activity). A session past its absolute expiry or idle longer than
 * the timeout is anonymous; a live one records activity without waiting (at most once a minute).
 */
export async function lookupSession(deps: Deps, req: IncomingMessage): Promise<SessionLookup> {
  const sid = readSessionId(req.headers.cookie, deps.cookieName, deps.config.sessionSecret);
  if (!sid) return { kind: 'anonymous', hadCookie: false };
  const current = await deps.tokens.read(sid);
  if (!current || current.record.sessionExpiresAt <= nowSeconds() || deps.activity.isIdle(current)) return { kind: 'anonymous', hadCookie: true };
  deps.activity.seen(sid, current);
  return { kind: 'session', sid, current };
}
