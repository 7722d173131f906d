import type { Logger } from 'pino';
import { errorSummary } from '../kernel/logger.js';
import type { Redis } from '../redis/client.js';
import { sessionRefusal } from '../routing/policy.js';
import type { SessionService } from '../session/session-service.js';
import type { RefreshCoordinator } from '../tokens/refresh-coordinator.js';
import type { TokenRecord } from '../tokens/token-record.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { LiveConnections } from './live-connections.js';
import { SessionEndChannel, sweepEndedSessions } from './session-end-channel.js';

/**
 * How often each session with an open WebSocket is read back (one Redis read per session). The
 * session-end channel closes sockets within milliseconds; the sweep is the safety net for a
 * missed message and for sessions that end without anyone ending them (idle timeout), and it
 * checks each socket's route policy again (4403 once the session no longer meets it).
 */
export const LIVE_SWEEP_INTERVAL_MS = 10_000;

/** What keeping WebSockets in step with their sessions needs. */
export interface LiveSessionChecksDeps {
  live: Pick<LiveConnections, 'closeSession' | 'enforcePolicy' | 'has' | 'size' | 'sessions'>;
  tokens: Pick<TokenStore, 'read'>;
  sessions: Pick<SessionService, 'readLive'>;
  refresher: Pick<RefreshCoordinator, 'ensureFresh'>;
  /** The connection the session-end channel publishes on and duplicates to subscribe. */
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
}

/**
 * Keeps the WebSockets open on this instance in step with their sessions: a session that ends
 * here closes its sockets at once and is announced to every instance, which close theirs; a
 * refreshed one has its sockets' route policies checked again (here and, announced, everywhere);
 * and a periodic sweep catches what no announcement covered (idle, expired, a missed message).
 * Only built when a route takes WebSockets; the composition root starts and stops it.
 */
export class LiveSessionChecks {
  readonly #channel: SessionEndChannel;
  #timer: NodeJS.Timeout | undefined;
  #sweeping = false;

  constructor(
    private readonly deps: LiveSessionChecksDeps,
    private readonly intervalMs = LIVE_SWEEP_INTERVAL_MS,
  ) {
    const { live } = deps;
    this.#channel = new SessionEndChannel(
      deps.redis,
      deps.keyPrefix,
      {
        ended: (sid) => live.closeSession(sid),
        // another instance refreshed a session with sockets here: its groups or scopes may have changed
        refreshed: (sid) => {
          if (live.has(sid)) void this.#recheck(sid).catch(() => undefined);
        },
      },
      deps.logger,
    );
  }

  /** A session ended on this instance: its sockets here close at once, the other instances hear it on the channel. */
  ended(sid: string): Promise<void> {
    this.deps.live.closeSession(sid);
    return this.#channel.announce(sid);
  }

  /** A session was refreshed on this instance: its sockets are judged on the new record, and every instance is told. */
  refreshed(sid: string, record: TokenRecord): void {
    this.deps.live.enforcePolicy(sid, (route) => sessionRefusal(route, record));
    void this.#channel.announceRefresh(sid);
  }

  /** Subscribes to the session-end channel and starts the sweep. */
  start(): void {
    this.#channel.start().catch((err: unknown) => this.deps.logger.warn({ err: errorSummary(err) }, 'session-end channel: subscribe failed'));
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#sweep(), this.intervalMs);
    this.#timer.unref();
  }

  /** Stops the sweep and drops the subscriber connection (shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#channel.stop();
  }

  #sweep(): void {
    const { live } = this.deps;
    if (this.#sweeping || live.size === 0) return;
    this.#sweeping = true;
    void sweepEndedSessions(live.sessions(), (sid) => this.#isLive(sid), (sid) => live.closeSession(sid)).finally(() => (this.#sweeping = false));
  }

  /** Whether a session with sockets here is still live, its sockets' route policies enforced on the way. */
  async #isLive(sid: string): Promise<boolean> {
    const current = await this.deps.sessions.readLive(sid);
    if (!current) return false;
    // an open socket keeps its session in use: its token is refreshed as a call would refresh it, so
    // the policy is judged on what the IdP says now, not on an expired token nobody renews
    const fresh = await this.deps.refresher.ensureFresh(sid, current);
    if (fresh.kind === 'none' || (fresh.kind === 'error' && fresh.code === 'session_expired')) return false;
    const record = fresh.kind === 'fresh' ? fresh.current.record : current.record; // IdP down: judge what we have
    // at least every sweep, whatever pub/sub missed: a session removed from a group loses its sockets (4403)
    this.deps.live.enforcePolicy(sid, (route) => sessionRefusal(route, record));
    return true;
  }

  /** Reads a session with sockets here and closes those whose route it no longer meets (4403). */
  async #recheck(sid: string): Promise<void> {
    const current = await this.deps.tokens.read(sid);
    if (current) this.deps.live.enforcePolicy(sid, (route) => sessionRefusal(route, current.record));
  }
}
