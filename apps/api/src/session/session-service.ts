import type { RedisStore } from 'connect-redis';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { OidcClient } from '../idp/oidc-client.js';
import type { SpanParent } from '../telemetry/spans.js';
import type { TokenRecord, VersionedRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { ActiveSessions } from './active-sessions.js';
import type { SessionActivity } from './session-activity.js';
import { endSessionsOf, endSessionsRevoking, type SessionEndingDeps } from './session-ending.js';
import { enforceSessionLimit } from './session-limit.js';
import { sanitizeUserAgent } from './user-agent.js';
import type { UserSessionIndex } from './user-sessions.js';

/** What the session service needs: the token store, the express-session documents, the user index, activity, the session count, the IdP. */
export interface SessionServiceDeps {
  config: Pick<Config, 'maxSessionsPerUser'>;
  tokens: Pick<TokenStore, 'create' | 'read' | 'delete'>;
  /** The express-session documents (connect-redis). */
  documents: Pick<RedisStore, 'destroy'>;
  userSessions: Pick<UserSessionIndex, 'register' | 'forget' | 'list' | 'ofIdpSession'>;
  activity: Pick<SessionActivity, 'initial' | 'isLive'>;
  activeSessions: Pick<ActiveSessions, 'started' | 'ended'>;
  oidc: Pick<OidcClient, 'revokeRefreshToken'>;
  logger: Logger;
  /**
   * Told of each session that ended, once its keys are gone: closes its WebSockets here and
   * announces the end to every instance (live/live-session-checks.ts). Unset without WebSocket routes.
   */
  ended?: (sid: string) => Promise<void>;
}

/** What a sign-in hands over once the IdP vouched for the user and express-session gave the browser a new id. */
export interface SignIn {
  sid: string;
  record: TokenRecord;
  /** The browser's `User-Agent` as sent (shown in `GET /sessions`, sanitised here). */
  userAgent: string | undefined;
  /** The id the browser had before the sign-in: that session ends like a sign-out. */
  replaces: string;
  /** Saves the express-session document; runs alongside the other writes. */
  saveDocument: () => Promise<void>;
  reqId?: string;
}

/** What sign-out hands over: the cookie's session (if any) and its record (if it is still there). */
export interface SignOut {
  sid: string | undefined;
  current: VersionedRecord | undefined;
  /** Every session of the user, this one included. */
  everywhere: boolean;
  reqId?: string;
  parent?: SpanParent;
}

/**
 * Where sessions start and end. Starting: the new session's keys, the replaced one ended, the
 * user's index, `MAX_SESSIONS_PER_USER`, the active count. Ending: every ending (sign-out, sign
 * out everywhere, `DELETE /sessions/:id`, the admin route, back-channel logout, the session limit,
 * a rejected refresh token) goes through {@link SessionService.end}: keys, index entry, active
 * count, and the `ended` listener that closes the session's WebSockets on every instance.
 */
export class SessionService {
  readonly #ending: SessionEndingDeps;

  constructor(private readonly deps: SessionServiceDeps) {
    this.#ending = { tokens: deps.tokens, oidc: deps.oidc, userSessions: deps.userSessions, logger: deps.logger, endSession: (sid) => this.end(sid) };
  }

  /**
   * Starts a signed-in session: its token hash, then (together) its express-session document, the
   * end of the session it replaces and its user-index entry. `confirmed: false` when, with
   * replicas, a replica does not have the session or its index entry in time: it could vanish in
   * a failover, so the half-made session ends like a sign-out and the sign-in must not be
   * reported as done (docs/adr/0005). Once confirmed, the user's session limit is enforced and
   * the session is counted.
   */
  async start(signIn: SignIn): Promise<{ confirmed: boolean }> {
    const { sid, record, reqId } = signIn;
    const created = await this.deps.tokens.create(sid, record, this.deps.activity.initial(record, sanitizeUserAgent(signIn.userAgent)));
    // signing in again in the same browser: the session being replaced ends like a sign-out (its refresh token revoked)
    const [, , indexed] = await Promise.all([signIn.saveDocument(), this.endRevoking([signIn.replaces], reqId), this.deps.userSessions.register(sid, record)]);
    if (!created.confirmed || !indexed.confirmed) {
      await this.endRevoking([sid], reqId).catch(() => undefined);
      return { confirmed: false };
    }
    await enforceSessionLimit({ ...this.#ending, config: this.deps.config }, record.user.sub, sid, reqId); // once the new session is indexed
    await this.deps.activeSessions.started(sid, record.sessionExpiresAt);
    return { confirmed: true };
  }

  /** Signs out the cookie's session or, `everywhere`, every session of its user, each refresh token revoked; returns how many sessions it ended. */
  async signOut({ sid, current, everywhere, reqId, parent }: SignOut): Promise<number> {
    const others = everywhere && current ? (await this.deps.userSessions.list(current.record.user.sub)).map((s) => s.sid) : [];
    const ended = sid ? [...new Set([sid, ...others])] : [];
    await this.endRevoking(ended, reqId, sid && current ? new Map([[sid, current]]) : undefined, parent);
    return ended.length;
  }

  /** Ends sessions the way sign-out does, each refresh token revoked first (best effort); see {@link endSessionsRevoking}. */
  endRevoking(sids: readonly string[], reqId?: string, known?: ReadonlyMap<string, VersionedRecord>, parent?: SpanParent): Promise<void> {
    return endSessionsRevoking(this.#ending, sids, reqId, known, parent);
  }

  /** Ends a user's sessions from outside (admin route, back-channel logout); see {@link endSessionsOf}. Returns how many ended. */
  endOf(who: { sub?: string; idpSid?: string }, reqId?: string): Promise<number> {
    return endSessionsOf(this.#ending, who, reqId);
  }

  /**
   * Ends one session everywhere it lives, without telling the IdP: its entry in the user's index,
   * the sealed tokens (with lease and failure marker) and the express-session document; then the
   * `ended` listener (its WebSockets, on every instance) and the active count. The one path every
   * ending takes.
   */
  async end(sid: string): Promise<void> {
    await this.deps.userSessions.forget(sid); // reads the owner from the token hash, so before it goes
    await Promise.all([
      this.deps.tokens.delete(sid),
      new Promise<void>((resolve, reject) => this.deps.documents.destroy(sid, (err?: unknown) => (err ? reject(err) : resolve()))),
    ]);
    await this.deps.ended?.(sid);
    await this.deps.activeSessions.ended(sid);
  }

  /** The session's record when it is live (see SessionActivity.isLive, the one rule), read as Redis holds it (never a cached copy); else undefined. */
  async readLive(sid: string): Promise<VersionedRecord | undefined> {
    const current = await this.deps.tokens.read(sid);
    return this.deps.activity.isLive(current) ? current : undefined;
  }
}
