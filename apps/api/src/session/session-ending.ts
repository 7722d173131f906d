import type { Deps } from '../deps.js';
import type { SpanParent } from '../observability/tracing.js';
import type { VersionedRecord } from '../tokens/token-record.js';
import { errorSummary } from '../logger.js';

/**
 * Ends sessions the way sign-out does: each refresh token is revoked at the IdP first (best
 * effort: the local session ends even when the IdP cannot be told), then the session's keys
 * and its place in the user's index go. Used by logout, `DELETE /sessions/:id` and
 * "sign out everywhere".
 * @see https://www.rfc-editor.org/rfc/rfc7009
 */
export async function endSessionsRevoking(
  deps: Deps,
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
