import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/config.js';
import { nowSeconds, type VersionedRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import { readSignedSessionId } from './cookie.js';
import { renewAfterRotation, type RotationDeps } from './secret-rotation.js';
import type { SessionActivity } from './session-activity.js';

/** What {@link lookupSession} needs: the cookie's name and secrets, the token store, activity. */
export interface SessionLookupDeps extends RotationDeps {
  cookieName: string;
  config: RotationDeps['config'] & Pick<Config, 'sessionSecrets'>;
  tokens: Pick<TokenStore, 'readForRequest' | 'reseal'>;
  activity: Pick<SessionActivity, 'isIdle' | 'seen'>;
}

/** A browser request's session, as far as the cookie and Redis tell. */
export type SessionLookup =
  | { kind: 'anonymous'; hadCookie: boolean }
  | { kind: 'session'; sid: string; current: VersionedRecord };

/**
 * Resolves the cookie to a live session with one Redis round trip (the sealed token record and,
 * in the same hash, the last activity), or none when the client-side cache holds the hash. A session past its absolute expiry or idle longer than
 * the timeout is anonymous; a live one records activity without waiting (at most once a minute).
 * With `res`, a cookie signed under a previous secret is re-signed on that response.
 */
export async function lookupSession(deps: SessionLookupDeps, req: IncomingMessage, res?: ServerResponse): Promise<SessionLookup> {
  const signed = readSignedSessionId(req.headers.cookie, deps.cookieName, deps.config.sessionSecrets);
  if (!signed) return { kind: 'anonymous', hadCookie: false };
  const { sid } = signed;
  const current = await deps.tokens.readForRequest(sid);
  if (!current || current.record.sessionExpiresAt <= nowSeconds() || deps.activity.isIdle(current)) return { kind: 'anonymous', hadCookie: true };
  deps.activity.seen(sid, current);
  // secret rotation (rare: once per session after a rotation), kept off the common path
  if (!signed.current || current.sealedWithPreviousSecret) await renewAfterRotation(deps, sid, current, signed.current, res);
  return { kind: 'session', sid, current };
}
