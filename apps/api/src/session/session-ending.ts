import type { Logger } from 'pino';
import type { OidcClient } from '../idp/oidc-client.js';
import type { SpanParent } from '../telemetry/spans.js';
import type { VersionedRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import { errorSummary } from '../kernel/logger.js';
import type { UserSessionIndex } from './user-sessions.js';

/**
 * What ending sessions needs: the token store (to read each refresh token), the IdP (to revoke
 * it), the one `endSession` every ending goes through (SessionService.end: keys, index, sockets
 * on every instance), the user index (to find a user's sessions) and a logger.
 */
export interface SessionEndingDeps {
  tokens: Pick<TokenStore, 'read'>;
  oidc: Pick<OidcClient, 'revokeRefreshToken'>;
  endSession: (sid: string) => Promise<void>;
  userSessions: Pick<UserSessionIndex, 'list' | 'ofIdpSession'>;
  logger: Logger;
}

/**
 * Ends sessions the way sign-out does: each refresh token is revoked at the IdP first (best
 * effort: the local session ends even when the IdP cannot be told), then the session's keys
 * and its place in the user's index go. Used by logout, `DELETE /sessions/:id` and
 * "sign out everywhere".
 * @see https://www.rfc-editor.org/rfc/rfc7009
 */
export async function endSessionsRevoking(
  deps: SessionEndingDeps,
  sids: readonly string[],
  reqId?: string,
  /** Records the caller has already read, so they are not read twice. */
  known: ReadonlyMap<string, VersionedRecord> = new Map(),
  /** The request's trace: each revocation's span is its child. */
  parent?: SpanParent,
): Promise<void> {
  await Promise.all(
    [...new Set(sids)].map(async (sid) => {
      const current = known.get(sid) ?? (await deps.tokens.read(sid));
      if (current?.record.refreshToken) {
        await deps.oidc.revokeRefreshToken(current.record.refreshToken, parent).catch((err: unknown) => {
          deps.logger.warn({ reqId, event: 'logout', outcome: 'revocation_failed', err: errorSummary(err) }, 'refresh token revocation failed');
        });
      }
      await deps.endSession(sid);
    }),
  );
}

/**
 * Ends sessions of one user from outside (the admin route, back-channel logout): every session of
 * `sub`, or, with `idpSid`, those signed in through that IdP session (plus, when `sub` is given,
 * the user's sessions whose ID token named no IdP session). Each refresh token is revoked, each
 * session's sockets close with 4401 on every instance. Returns how many sessions ended.
 * @see https://openid.net/specs/openid-connect-backchannel-1_0.html#BCActions
 */
export async function endSessionsOf(deps: SessionEndingDeps, who: { sub?: string; idpSid?: string }, reqId?: string): Promise<number> {
  const candidates = new Set<string>();
  if (who.idpSid) for (const sid of await deps.userSessions.ofIdpSession(who.idpSid)) candidates.add(sid);
  if (who.sub) for (const { sid } of await deps.userSessions.list(who.sub)) candidates.add(sid);
  const known = new Map<string, VersionedRecord>();
  await Promise.all(
    [...candidates].map(async (sid) => {
      const current = await deps.tokens.read(sid);
      if (!current) return;
      const { record } = current;
      if (who.sub && record.user.sub !== who.sub) return;
      // named by IdP session: only sessions of that IdP session, or of the user when theirs named none
      if (who.idpSid && record.idpSid !== who.idpSid && !(who.sub && record.idpSid === undefined)) return;
      known.set(sid, current);
    }),
  );
  await endSessionsRevoking(deps, [...known.keys()], reqId, known);
  return known.size;
}
