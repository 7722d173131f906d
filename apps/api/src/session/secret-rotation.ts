import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { errorSummary } from '../kernel/logger.js';
import type { VersionedRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import { signedCookie } from './cookie.js';

/** What {@link renewAfterRotation} needs: the cookie settings, the token store's re-seal, a logger. */
export interface RotationDeps {
  config: Parameters<typeof signedCookie>[0] & Pick<Config, 'sessionSecret'>;
  tokens: Pick<TokenStore, 'reseal'>;
  logger: Logger;
}

/**
 * After a `SESSION_SECRET` rotation, the first use of a session made under a previous secret
 * moves it to the current one: its cookie is re-signed on this response (when there is one to
 * carry a `Set-Cookie`) and its token record re-sealed (compare-and-set by version, see
 * TokenStore.reseal). Once every active session has been used once, the previous secrets can go.
 */
export async function renewAfterRotation(
  deps: RotationDeps,
  sid: string,
  found: VersionedRecord,
  cookieSignedWithCurrent: boolean,
  res?: Pick<ServerResponse, 'appendHeader' | 'headersSent'>,
): Promise<void> {
  if (!cookieSignedWithCurrent && res && !res.headersSent) {
    res.appendHeader('set-cookie', signedCookie(deps.config, deps.config.sessionSecret, sid, found.record.sessionExpiresAt));
  }
  if (!found.sealedWithPreviousSecret) return;
  // best effort: the record still opens under the previous secret, and the next use tries again
  await deps.tokens.reseal(sid, found).catch((err: unknown) => deps.logger.warn({ err: errorSummary(err) }, 'token record not re-sealed'));
}
