import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ErrorCode } from '@app/shared-types';
import type { OidcClient } from '../idp/oidc-client.js';
import { IdpError } from '../idp/oidc-client.js';
import { isRedisUnavailable, type Redis } from '../redis/client.js';
import type { ReplicatedWrites } from '../redis/replication.js';
import { recordAfterRefresh } from './grant-to-record.js';
import type { HeldLease } from './redis-lease.js';
import { SingleFlight, type Holding } from './single-flight.js';
import type { LeaseWaitOutcome, RefreshObserver, RefreshOutcome } from '../telemetry/refresh-observer.js';
import { needsRefresh, nowSeconds, refreshWindowSeconds, type TokenRecord, type VersionedRecord } from './token-record.js';
import type { SealedWrite, TokenStore, WriteResult } from './token-store.js';
import { errorSummary } from '../kernel/logger.js';
import { internalSpan, redisSpan, type SpanParent } from '../telemetry/spans.js';
import { Lru } from '../kernel/lru.js';

/** Result of asking for a usable access token: the proxy and `/session` turn it into a response. */
export type TokenResult =
  | { kind: 'fresh'; current: VersionedRecord }
  | { kind: 'none' }
  | { kind: 'error'; code: Extract<ErrorCode, 'session_expired' | 'idp_unavailable'>; current?: VersionedRecord };

/** Tunables of the coordinator; defaults suit production, tests shorten them. */
export interface RefreshOptions {
  skewSeconds: number;
  /** Lease time-to-live; renewed every third of it while the token endpoint is slow. */
  leaseMs?: number;
  /** How often a waiter looks at the record again. */
  pollMs?: number;
  /** Longest a waiter waits for another instance before answering idp_unavailable. */
  maxWaitMs?: number;
  /** Told about every grant and every lease wait (metrics). */
  observer?: RefreshObserver;
  /**
   * Refresh-ahead: inside the refresh window, a token valid for more than this many seconds still
   * serves the request while one background refresh runs; only a token this close to expiry (or
   * past it) makes the request wait. Default 2.
   */
  waitMarginSeconds?: number;
  /** After a background refresh failed for a passing reason, no new one for this session before this long. */
  aheadRetryMs?: number;
  /**
   * Background refreshes of sessions whose tokens enter the window together (a deploy, a morning
   * sign-in wave, tokens issued in one burst) start at a per-session offset of up to this many
   * seconds after the window opens, so the grants spread out instead of landing on the IdP (and
   * this process) in the same second. Capped at half the part of the window in which a token still
   * serves, so every refresh starts well before the token must wait. 0: all at the window's opening.
   */
  aheadSpreadSeconds?: number;
  /** With replicas (Sentinel, Cluster): the lease and each refresh's result wait for a replica (docs/adr/0005). */
  replicated?: ReplicatedWrites;
  /** Longest a rotated refresh token is kept in hand, retrying its write, when no replica confirmed it. Default 15 s. */
  holdMs?: number;
  /** Told about every refresh this process wrote (open WebSockets check their route's policy again); must not throw. */
  onRefreshed?: (sid: string, record: TokenRecord) => void;
  /**
   * Longest a token request to the IdP takes (the OIDC client's own timeout). With replicas the
   * lease is taken for this plus `holdMs` (docs/adr/0005-redis-failover.md). Default 10 s.
   */
  idpTimeoutMs?: number;
}

/** Time kept between the end of a lease's fence and the last write of a result held under it (clocks, the write's own time). */
const FENCE_MARGIN_MS = 1_000;

/** Called when a refresh token was rejected for good: ends the session everywhere. */
export type EndSession = (sid: string) => Promise<void>;

/**
 * Single-flight refresh across processes (docs/adr/0002-single-flight-refresh.md), a
 * {@link SingleFlight} per session. In-process, concurrent callers for one session share one
 * promise. Across processes, the instance that wins the session's lease re-reads the record,
 * redeems the refresh token once, writes the result with a version check, and releases; the
 * others poll the record until its version moves. A lease whose holder died lapses and one waiter
 * takes over. With replicas the lease is a replica-confirmed fence (docs/adr/0005-redis-failover.md).
 */
export class RefreshCoordinator {
  readonly #flight: SingleFlight<TokenResult>;
  /** Background refreshes running in this process, by sid (refresh-ahead). */
  readonly #ahead = new Map<string, Promise<void>>();
  /** Sessions whose background refresh just failed for a passing reason: unix ms before which none is retried. */
  readonly #aheadRetryAt = new Lru<string, number>(4096);

  constructor(
    redis: Redis,
    private readonly store: TokenStore,
    private readonly oidc: OidcClient,
    private readonly endSession: EndSession,
    private readonly logger: Logger,
    private readonly options: RefreshOptions,
  ) {
    const { replicated } = options;
    this.#flight = new SingleFlight(redis, {
      keysOf: (sid) => {
        const keys = store.keys(sid);
        return { lease: keys.lease, failed: keys.refreshFailed };
      },
      leaseMs: options.leaseMs ?? 5_000,
      // the fence outlasts the grant and the hold of its result (docs/adr/0005-redis-failover.md)
      ...(replicated ? { fence: { writes: replicated, fenceMs: (options.idpTimeoutMs ?? 10_000) + this.#holdMs + FENCE_MARGIN_MS } } : {}),
      onRenewError: (err) => this.logger.warn({ err: errorSummary(err) }, 'refresh lease renewal failed'),
      pollMs: options.pollMs ?? 25,
      maxWaitMs: options.maxWaitMs ?? 15_000,
      onJoin: () => this.options.observer?.joinedInflight(),
    });
  }

  /** Number of refreshes currently coordinated by this process (for metrics and tests). */
  get inflight(): number {
    return this.#flight.size;
  }

  /**
   * {@link RefreshCoordinator.ensureFresh} without waiting, for the hot path: `current` when its
   * token serves this request as it is (outside the refresh window, or inside it and more than the
   * wait margin from expiry, starting the session's background refresh when it is due), else
   * `undefined`: the caller must wait for `ensureFresh`. No promise on the common path.
   */
  usableNow(sid: string, current: VersionedRecord, parent?: SpanParent): VersionedRecord | undefined {
    if (!needsRefresh(current.record, this.options.skewSeconds)) return current;
    if (!this.#servesWhileRefreshing(current)) return undefined;
    if (this.#aheadDue(sid, current)) this.#refreshAhead(sid, parent);
    return current;
  }

  /**
   * Returns a record whose access token is usable now. Inside the refresh window the current token
   * is returned at once while one background refresh runs; only a token about to expire (or
   * expired) waits for the refresh. `parent` (the request's trace) gets the refresh's spans; a
   * caller that joins a refresh already running adds none.
   */
  async ensureFresh(sid: string, current: VersionedRecord, parent?: SpanParent): Promise<TokenResult> {
    const usable = this.usableNow(sid, current, parent);
    if (usable) return { kind: 'fresh', current: usable };
    return this.#flight.share(sid, () => this.#refresh(sid, current, parent));
  }

  /** Redeems under the session's lease, or waits for the instance that holds it: its record, its failure marker, or the bound. */
  #refresh(sid: string, seen: VersionedRecord, parent: SpanParent | undefined): Promise<TokenResult> {
    let now: VersionedRecord | undefined; // the record as last polled
    return this.#flight.run(
      sid,
      {
        hold: (holding) => {
          if (holding.waited) this.#waitEnded('took_over', holding.started);
          return this.#redeemHolding(sid, holding, parent);
        },
        look: async ({ started }) => {
          now = await this.store.read(sid);
          if (!now) return this.#waitEnded('session_expired', started, { kind: 'error', code: 'session_expired' });
          if (now.version !== seen.version && !needsRefresh(now.record, this.options.skewSeconds)) {
            return this.#waitEnded('fresh', started, { kind: 'fresh', current: now });
          }
          return undefined;
        },
        giveUp: ({ started }) => this.#waitEnded('idp_unavailable', started, { kind: 'error', code: 'idp_unavailable', current: now }),
      },
      parent,
    );
  }

  /** True while the token is valid for more than the wait margin: it can serve during a background refresh. */
  #servesWhileRefreshing(current: VersionedRecord): boolean {
    return current.record.accessTokenExpiresAt - nowSeconds() > this.#waitMarginSeconds;
  }

  get #holdMs(): number {
    return this.options.holdMs ?? 15_000;
  }

  get #waitMarginSeconds(): number {
    return this.options.waitMarginSeconds ?? 2;
  }

  /** Whether this session's background refresh is due: its offset into the window ({@link RefreshOptions.aheadSpreadSeconds}) has passed. */
  #aheadDue(sid: string, current: VersionedRecord): boolean {
    const { record } = current;
    const window = refreshWindowSeconds(record, this.options.skewSeconds);
    const spread = Math.min(this.options.aheadSpreadSeconds ?? 30, Math.max(0, (window - this.#waitMarginSeconds) / 2));
    return record.accessTokenExpiresAt - nowSeconds() <= window - spread * spreadFraction(sid);
  }

  /**
   * Starts one background refresh of the session unless one runs already in this process, one
   * failed moments ago, or (found out by the lease) another instance or request is on it. It takes
   * the lease once and never polls: whoever holds the lease writes the new record, and the next
   * request reads it. invalid_grant ends the session (in {@link #redeemHolding}); a passing failure
   * leaves the session alone and the still valid token in use.
   */
  #refreshAhead(sid: string, parent: SpanParent | undefined): void {
    if (this.#ahead.has(sid) || this.#flight.has(sid) || (this.#aheadRetryAt.get(sid) ?? 0) > Date.now()) return;
    // a span of its own under the request that started it (which may have ended by then)
    const run = internalSpan(parent, 'refresh ahead', (self) => this.#redeemIfLeaseFree(sid, self))
      .then((result) => {
        if (result?.kind === 'error' && result.code === 'idp_unavailable') this.#aheadRetryAt.set(sid, Date.now() + (this.options.aheadRetryMs ?? 5_000));
      })
      .catch((err: unknown) => this.logger.warn({ event: 'refresh', sid: redactSid(sid), err: errorSummary(err) }, 'background refresh failed'))
      .finally(() => this.#ahead.delete(sid));
    this.#ahead.set(sid, run);
  }

  /** One attempt at the lease; the redemption when it was free, `undefined` when somebody else holds it. */
  #redeemIfLeaseFree(sid: string, parent: SpanParent | undefined): Promise<TokenResult | undefined> {
    return this.#flight.runIfFree(sid, (holding) => this.#redeemHolding(sid, holding, parent), parent);
  }

  /** Runs while this process holds the session's lease (taken and released by the {@link SingleFlight}). */
  async #redeemHolding(sid: string, holding: Holding, parent: SpanParent | undefined): Promise<TokenResult> {
    const { started, waited, lease } = holding;
    // re-read under the lease: another instance may have refreshed since we looked
    const current = await redisSpan(parent, 'HGETALL', () => this.store.read(sid));
    if (!current) return { kind: 'error', code: 'session_expired' };
    if (!needsRefresh(current.record, this.options.skewSeconds)) return { kind: 'fresh', current };
    if (!current.record.refreshToken) return this.#end(sid, 'no refresh token');

    const t0 = Date.now();
    let granted;
    try {
      granted = await this.oidc.refreshTokenGrant(current.record.refreshToken, parent);
    } catch (err) {
      const idpError = err instanceof IdpError ? err : undefined;
      if (idpError?.kind === 'invalid_grant') {
        this.options.observer?.refreshed('session_expired', (Date.now() - t0) / 1000);
        return this.#end(sid, idpError.message, current.version);
      }
      this.#report('idp_unavailable', t0, started, waited, { sid: redactSid(sid), err: errorSummary(err) });
      await holding.markFailed();
      return { kind: 'error', code: 'idp_unavailable', current };
    }
    const record = recordAfterRefresh(current.record, granted);
    const write = this.store.sealForWrite(sid, current.version, record);
    const written = await redisSpan(parent, 'EVAL', () => this.#writeRefreshed(write, lease));
    this.#report(written === 'written' ? 'refreshed' : 'stale', t0, started, waited, { sid: redactSid(sid), version: current.version, rotated: Boolean(granted.refreshToken) });
    if (written === 'written') {
      this.options.onRefreshed?.(sid, record);
      return { kind: 'fresh', current: { version: current.version + 1, record } };
    }
    // somebody wrote since we read (our lease lapsed while Redis was unreachable): theirs wins
    const latest = await this.store.read(sid);
    return latest ? { kind: 'fresh', current: latest } : { kind: 'error', code: 'session_expired' };
  }

  /**
   * Writes a refresh's result so that no failover can roll the session back to the refresh token
   * the IdP has just spent (docs/adr/0005-redis-failover.md). Confirmed by a replica: done. Written
   * on the primary but not confirmed, or not written because Redis just went away: the new tokens
   * stay in this process, which keeps the lease and repeats the write (on the new primary after a
   * failover) in the background; the caller gets the new tokens, or 503 if nothing was written.
   */
  async #writeRefreshed(write: SealedWrite, lease: HeldLease): Promise<WriteResult> {
    try {
      const { outcome, confirmed } = await this.store.compareAndSetReplicated(write);
      if (outcome === 'written' && !confirmed) lease.keepUntil(this.#keepUntilReplicated(write, lease));
      return outcome;
    } catch (err) {
      if (isRedisUnavailable(err)) lease.keepUntil(this.#keepUntilReplicated(write, lease));
      throw err;
    }
  }

  /**
   * Repeats a refresh's write until a replica confirms it, another write wins, or `holdMs` is
   * over, and never once the lease's fence may have lapsed on a promoted replica: from then on
   * another instance may redeem, and only its result may land.
   */
  async #keepUntilReplicated(write: SealedWrite, lease: HeldLease): Promise<void> {
    const deadline = Math.min(Date.now() + this.#holdMs, (lease.fencedUntil ?? Infinity) - FENCE_MARGIN_MS);
    const sid = redactSid(write.sid);
    this.logger.warn({ event: 'refresh_hold', sid }, 'refresh result not on a replica yet; keeping the tokens and retrying');
    while (Date.now() < deadline) {
      await sleep(100, undefined, { ref: false });
      try {
        const { outcome, confirmed } = await this.store.compareAndSetReplicated(write);
        if (outcome === 'stale') return this.logger.warn({ event: 'refresh_hold', outcome: 'stale', sid }, 'another write won while the refresh result was held');
        if (confirmed) return this.logger.info({ event: 'refresh_hold', outcome: 'confirmed', sid }, 'refresh result confirmed by a replica');
      } catch {
        // Redis still unreachable, or between two primaries: try again
      }
    }
    this.logger.error({ event: 'refresh_hold', outcome: 'gave_up', sid }, 'no replica confirmed the refresh result in time');
  }

  /** Logs one redemption (event, outcome, IdP time, time spent waiting on another instance first) and tells the observer. */
  #report(outcome: RefreshOutcome, t0: number, started: number, waited: boolean, extra: Record<string, unknown>) {
    const durationMs = Date.now() - t0;
    this.options.observer?.refreshed(outcome, durationMs / 1000);
    const line = { event: 'refresh', outcome, durationMs, waitedMs: waited ? t0 - started : 0, ...extra };
    if (outcome === 'idp_unavailable') this.logger.warn(line, 'refresh failed');
    else this.logger.info(line, 'access token refreshed');
  }

  /** Tells the observer how a wait on another instance's lease ended; passes `result` through. */
  #waitEnded(outcome: LeaseWaitOutcome, started: number): void;
  #waitEnded(outcome: LeaseWaitOutcome, started: number, result: TokenResult): TokenResult;
  #waitEnded(outcome: LeaseWaitOutcome, started: number, result?: TokenResult): TokenResult | void {
    this.options.observer?.leaseWaited(outcome, (Date.now() - started) / 1000);
    return result;
  }

  async #end(sid: string, reason: string, version?: number): Promise<TokenResult> {
    this.logger.info({ event: 'refresh', outcome: 'session_expired', sid: redactSid(sid), version, reason }, 'refresh token rejected; session ended');
    await this.endSession(sid);
    return { kind: 'error', code: 'session_expired' };
  }
}

/** Logs never carry a whole session id. */
export function redactSid(sid: string): string {
  return `${sid.slice(0, 6)}…`;
}

/**
 * Where in the spread a session's background refresh starts, in [0, 1): FNV-1a of the session id,
 * so every instance puts one session at the same point and sessions spread evenly.
 */
export function spreadFraction(sid: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sid.length; i++) hash = Math.imul(hash ^ sid.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 2 ** 32;
}
