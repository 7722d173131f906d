import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Redis } from '../redis/client.js';
import { idpSessionKey, SESSION_FIELDS, userSessionsKey } from '../redis/keyspace.js';
import { nowSeconds, type TokenRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { ReplicatedWrites } from '../redis/replication.js';
import { addToExpiringSet, addToExpiringSetReplicated } from './expiring-set.js';

/** What the sessions list reads of each session's hash, in the order `list` destructures them. */
const LISTED_FIELDS = [SESSION_FIELDS.created, SESSION_FIELDS.lastSeen, SESSION_FIELDS.user, SESSION_FIELDS.userAgent];

/** Lua, one key (the user's index): drop members past their absolute expiry, return the rest. */
const LIVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** One live session of a user, as the index knows it. */
export interface IndexedSession {
  sid: string;
  /** Opaque public handle: shows up in `GET /sessions`, never the session id itself. */
  handle: string;
  createdAt: number;
  lastSeenAt: number;
  userAgent: string;
}

export { userSessionsKey } from '../redis/keyspace.js';

/**
 * The sessions of each user (issue 5). A sorted set per user, members = session ids, scores =
 * absolute expiry; the listing metadata (`c` created, `s` last seen, `u` owner, `ua` user agent)
 * lives as plain fields of each session's token hash. Every command touches one key, so the
 * index (slot `{sub}`) and each session (slot `{sid}`) may sit on different cluster nodes.
 */
export class UserSessionIndex {
  /** One handle key per secret of the ring, current first. */
  readonly #handleKeys: readonly Buffer[];

  constructor(
    private readonly redis: Redis,
    private readonly tokens: TokenStore,
    private readonly prefix: string,
    private readonly idleSeconds: number,
    secrets: string | readonly string[],
    /** Set with Sentinel or a Cluster: a new session's entry waits for a replica (docs/adr/0005). */
    private readonly replicated?: ReplicatedWrites,
  ) {
    const ring = typeof secrets === 'string' ? [secrets] : secrets;
    this.#handleKeys = ring.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'cognito-bff', 'session-handle/v1', 32)));
  }

  /**
   * The public handle of a session: HMAC-SHA256 of its id under the current secret's handle key,
   * 128 bits, base64url. Handles change when `SESSION_SECRET` rotates; {@link find} still accepts
   * those made under a previous secret, so a list fetched just before a rotation keeps working.
   */
  handleOf(sid: string, key = this.#handleKeys[0]!): string {
    return createHmac('sha256', key).update(sid).digest().subarray(0, 16).toString('base64url');
  }

  /**
   * Adds a new session to its user's index (after its token hash exists), and to the index of its
   * IdP session when its ID token named one. `confirmed`: a replica has the user-index entry
   * (always true without replicas); a session missing from its index would escape "sign out
   * everywhere" and the session limit, so a sign-in does not go on without it. The IdP-session
   * entry is not waited for: lost in a failover, a back-channel logout naming that `sid` alone
   * misses the session, which one naming `sub` (every provider sends it with `sid`) still ends.
   */
  async register(sid: string, record: Pick<TokenRecord, 'sessionExpiresAt' | 'user' | 'idpSid'>): Promise<{ confirmed: boolean }> {
    const now = nowSeconds();
    // the index (slot `{sub}`) expires with its longest-lived session
    const key = userSessionsKey(this.prefix, record.user.sub);
    const [user] = await Promise.all([
      this.replicated ? addToExpiringSetReplicated(this.replicated, key, sid, record.sessionExpiresAt, now) : addToExpiringSet(this.redis, key, sid, record.sessionExpiresAt, now).then(() => ({ confirmed: true })),
      record.idpSid ? addToExpiringSet(this.redis, idpSessionKey(this.prefix, record.idpSid), sid, record.sessionExpiresAt, now) : undefined,
    ]);
    return user;
  }

  /** Sessions signed in through the IdP session `idpSid` and not expired (they may have ended since: check each record). */
  async ofIdpSession(idpSid: string, now = nowSeconds()): Promise<string[]> {
    return (await this.redis.eval(LIVE, { keys: [idpSessionKey(this.prefix, idpSid)], arguments: [String(now)] })) as string[];
  }

  /** The user's live sessions, oldest first; members whose session ended are pruned on the way. */
  async list(sub: string, now = nowSeconds()): Promise<IndexedSession[]> {
    const key = userSessionsKey(this.prefix, sub);
    const sids = (await this.redis.eval(LIVE, { keys: [key], arguments: [String(now)] })) as string[];
    const metas = await Promise.all(sids.map((sid) => this.redis.hmGet(this.tokens.keys(sid).tokens, LISTED_FIELDS)));
    const live: IndexedSession[] = [];
    const gone: string[] = [];
    sids.forEach((sid, i) => {
      const [c, s, u, ua] = metas[i] ?? [];
      const createdAt = Number(c);
      const lastSeenAt = Number(s);
      // no hash (ended, idle-expired) or not this user's: not a session of theirs any more
      if (u !== sub || !Number.isInteger(createdAt) || !Number.isInteger(lastSeenAt) || now - lastSeenAt > this.idleSeconds) {
        gone.push(sid);
        return;
      }
      live.push({ sid, handle: this.handleOf(sid), createdAt, lastSeenAt, userAgent: ua ?? '' });
    });
    if (gone.length > 0) await this.redis.zRem(key, gone);
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The user's live session with this public handle (made under any secret of the ring), if any. */
  async find(sub: string, handle: string): Promise<IndexedSession | undefined> {
    const wanted = Buffer.from(handle);
    const matches = (h: string) => {
      const candidate = Buffer.from(h);
      return candidate.length === wanted.length && timingSafeEqual(candidate, wanted);
    };
    return (await this.list(sub)).find((s) => matches(s.handle) || this.#handleKeys.slice(1).some((key) => matches(this.handleOf(s.sid, key))));
  }

  /** Removes a session from its owner's index; call before its token hash is deleted (the owner is read from it). */
  async forget(sid: string): Promise<void> {
    const sub = await this.redis.hGet(this.tokens.keys(sid).tokens, SESSION_FIELDS.user);
    if (sub) await this.redis.zRem(userSessionsKey(this.prefix, sub), sid);
  }
}
