import type { Logger } from 'pino';
import type { Redis } from '../redis/client.js';
import { sessionChannels } from '../redis/keyspace.js';
import { errorSummary } from '../kernel/logger.js';

/**
 * Tells every instance that a session ended, so each closes that session's WebSockets, or that it
 * was refreshed, so each checks its sockets' route policies again (the refresh may have dropped a
 * group): two Redis pub/sub channels under the key prefix (`<prefix>session-ended`,
 * `<prefix>session-refreshed`), published when a session ends or is refreshed on this instance
 * (live-session-checks.ts, told by SessionService.end and the refresh coordinator), listened to
 * on a dedicated subscriber connection. Pub/sub is fire-and-forget: an instance that is
 * disconnected at that moment misses the message, which the periodic sweep
 * ({@link sweepEndedSessions}) makes up for.
 */
export class SessionEndChannel {
  readonly #ended: string;
  readonly #refreshed: string;
  #subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly on: { ended: (sid: string) => void; refreshed: (sid: string) => void },
    private readonly logger: Logger,
  ) {
    ({ ended: this.#ended, refreshed: this.#refreshed } = sessionChannels(prefix));
  }

  /** Subscribes (a second connection: a subscribed one cannot run other commands); keeps retrying in the background. */
  async start(): Promise<void> {
    if (this.#subscriber) return;
    const subscriber = this.redis.duplicate();
    this.#subscriber = subscriber;
    subscriber.on('error', () => undefined); // the main client already logs outages
    await subscriber.connect();
    await subscriber.subscribe(this.#ended, (sid) => this.on.ended(sid));
    await subscriber.subscribe(this.#refreshed, (sid) => this.on.refreshed(sid));
  }

  /** Announces that `sid` ended; never throws (the sweep covers a message that could not be sent). */
  announce(sid: string): Promise<void> {
    return this.#publish(this.#ended, sid);
  }

  /** Announces that `sid` was refreshed (its groups or scopes may have changed); never throws. */
  announceRefresh(sid: string): Promise<void> {
    return this.#publish(this.#refreshed, sid);
  }

  async #publish(channel: string, sid: string): Promise<void> {
    try {
      await this.redis.publish(channel, sid);
    } catch (err) {
      this.logger.warn({ event: 'websocket', outcome: 'announce_failed', err: errorSummary(err) }, 'could not announce a session change');
    }
  }

  /** Drops the subscriber connection (shutdown): at once, even while Redis is unreachable and it is reconnecting. */
  async stop(): Promise<void> {
    const subscriber = this.#subscriber;
    this.#subscriber = undefined;
    // close() would wait for a Redis that may be gone; nothing needs flushing on a subscriber
    if (subscriber?.isOpen) subscriber.destroy();
    await Promise.resolve();
  }
}

/**
 * One sweep: asks `isLive` about each session that has sockets here and closes those of every
 * session that is gone (ended, idle, expired). A session whose check fails (Redis down) is left
 * alone: an outage must not cut every live connection.
 */
export async function sweepEndedSessions(sids: readonly string[], isLive: (sid: string) => Promise<boolean>, close: (sid: string) => void): Promise<number> {
  let closed = 0;
  // in batches, so thousands of sockets do not queue thousands of reads at once
  for (let i = 0; i < sids.length; i += SWEEP_BATCH) {
    await Promise.all(
      sids.slice(i, i + SWEEP_BATCH).map(async (sid) => {
        const live = await isLive(sid).catch(() => true);
        if (!live) {
          close(sid);
          closed++;
        }
      }),
    );
  }
  return closed;
}

const SWEEP_BATCH = 100;
