import type { IncomingMessage } from 'node:http';
import type { Config } from '../config/config.js';
import type { VersionedRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import { cookieCleared, readSignedSessionId, type CookieUpdate } from './cookie.js';
import { renewAfterRotation, type RotationDeps } from './secret-rotation.js';
import type { SessionActivity } from './session-activity.js';

/** What {@link lookupSession} needs: the cookie's name and secrets, the token store, activity. */
export interface SessionLookupDeps extends RotationDeps {
  cookieName: string;
  config: RotationDeps['config'] & Pick<Config, 'sessionSecrets'>;
  tokens: Pick<TokenStore, 'readForRequest' | 'reseal'>;
  activity: Pick<SessionActivity, 'isLive' | 'seen'>;
}

/**
 * A browser request's session, as far as the cookie and Redis tell, and what the response should
 * do with the cookie: clear one that named a session that is gone, re-sign one made under a
 * previous secret (`cookie`, for the endpoint to write).
 */
export type SessionLookup =
  | { kind: 'anonymous'; cookie?: CookieUpdate }
  | { kind: 'session'; sid: string; current: VersionedRecord; cookie?: CookieUpdate };

/**
 * Resolves the cookie to a live session with one Redis round trip (the sealed token record and,
 * in the same hash, the last activity), or none when the client-side cache holds the hash. A session past its absolute expiry or idle longer than
 * the timeout is anonymous; a live one records activity without waiting (at most once a minute).
 */
export async function lookupSession(deps: SessionLookupDeps, req: IncomingMessage): Promise<SessionLookup> {
  const signed = readSignedSessionId(req.headers.cookie, deps.cookieName, deps.config.sessionSecrets);
  if (!signed) return { kind: 'anonymous' };
  const { sid } = signed;
  const current = await deps.tokens.readForRequest(sid);
  if (!deps.activity.isLive(current)) return { kind: 'anonymous', cookie: cookieCleared(deps.config) };
  deps.activity.seen(sid, current);
  // secret rotation (rare: once per session after a rotation), kept off the common path
  if (signed.current && !current.sealedWithPreviousSecret) return { kind: 'session', sid, current };
  const reissue = await renewAfterRotation(deps, sid, current, signed.current);
  return reissue ? { kind: 'session', sid, current, cookie: reissue } : { kind: 'session', sid, current };
}
