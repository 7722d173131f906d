import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { errorSummary } from '../kernel/logger.js';
import type { VersionedRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import { signedCookie, type CookieUpdate } from './cookie.js';

/** What {@link renewAfterRotation} needs: the cookie settings, the token store's re-seal, a logger. */
export interface RotationDeps {
  config: Parameters<typeof signedCookie>[0] & Pick<Config, 'sessionSecret'>;
  tokens: Pick<TokenStore, 'reseal'>;
  logger: Logger;
}

/**
 * After a `SESSION_SECRET` rotation, the first use of a session made under a previous secret
 * moves it to the current one: its token record is re-sealed (compare-and-set by version, see
 * TokenStore.reseal) and its cookie re-signed, returned for the endpoint to write (`undefined`
 * when the cookie is signed with the current secret already). Once every active session has
 * been used once, the previous secrets can go.
 */
export async function renewAfterRotation(deps: RotationDeps, sid: string, found: VersionedRecord, cookieSignedWithCurrent: boolean): Promise<CookieUpdate | undefined> {
  const reissue: CookieUpdate | undefined = cookieSignedWithCurrent
    ? undefined
    : { kind: 'reissue', setCookie: signedCookie(deps.config, deps.config.sessionSecret, sid, found.record.sessionExpiresAt) };
  if (!found.sealedWithPreviousSecret) return reissue;
  // best effort: the record still opens under the previous secret, and the next use tries again
  await deps.tokens.reseal(sid, found).catch((err: unknown) => deps.logger.warn({ err: errorSummary(err) }, 'token record not re-sealed'));
  return reissue;
}
