import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from '../redis/client.js';
import { redisSpan, type SpanParent } from '../telemetry/spans.js';
import { acquireLease, type HeldLease, type ReplicatedLease } from './redis-lease.js';

/** How long waiters treat a holder's failure as their answer instead of trying again themselves. */
const FAILURE_MARKER_MS = 2_000;

/** The Redis keys of one flight: its lease and the marker of its holder's last failure. */
export interface FlightKeys {
  lease: string;
  failed: string;
}

/** How one kind of flight runs; each caller keeps its own numbers, the primitive has no per-caller switch. */
export interface SingleFlightOptions {
  /** The Redis keys of the flight named `id` (a session id, a client token's cache key). */
  keysOf(id: string): FlightKeys;
  /** Lease time-to-live; renewed every third of it while held, unless `fence` is given. */
  leaseMs: number;
  /** With replicas: the lease is a replica-confirmed fence for `fence.fenceMs`, never renewed (redis-lease.ts). */
  fence?: ReplicatedLease;
  /** A renewal of a held lease failed (logged by the caller, in its own words). */
  onRenewError(err: unknown): void;
  /** How often a waiter looks again. */
  pollMs: number;
  /** Longest a waiter waits for another holder before giving up. */
  maxWaitMs: number;
  /** A caller joined a flight already running in this process (metrics). */
  onJoin?(): void;
}

/** When a flight started (unix ms), and whether it waited on another holder before getting here. */
export interface FlightStart {
  started: number;
  waited: boolean;
}

/** What the holder of a flight's lease is handed. */
export interface Holding extends FlightStart {
  lease: HeldLease;
  /** Leaves the failure marker: this flight's waiters, here and on other instances, give up now instead of at the bound. */
  markFailed(): Promise<void>;
}

/** The caller's part of a flight; the primitive takes the lease, waits, polls and gives the lease back. */
export interface FlightSteps<T> {
  /** Runs under the lease (re-read, ask the IdP, write); the lease is released when it settles. */
  hold(holding: Holding): Promise<T>;
  /** After each poll: the holder's result (or another final answer), `undefined` to keep waiting. */
  look(flight: FlightStart): Promise<T | undefined>;
  /** The holder left the failure marker, or `maxWaitMs` passed. */
  giveUp(flight: FlightStart): T;
}

/**
 * One thing done once at a time, in this process and across instances
 * (docs/adr/0002-single-flight-refresh.md, addendum "one single-flight primitive"): concurrent
 * callers in a process share one promise ({@link SingleFlight.share}); across processes the holder
 * of a Redis lease does the work while the others poll for its result until a bound, or until the
 * holder's failure marker tells them to give up at once ({@link SingleFlight.run}). A holder that
 * dies lets its lease lapse and one waiter takes over. Refresh of user tokens and the
 * client_credentials cache are both flights; each passes its own lease, timings and steps.
 */
export class SingleFlight<T extends object> {
  readonly #inflight = new Map<string, Promise<T>>();

  constructor(
    private readonly redis: Redis,
    private readonly options: SingleFlightOptions,
  ) {}

  /** Number of flights this process is running (for metrics and tests). */
  get size(): number {
    return this.#inflight.size;
  }

  /** Whether this process is running the flight `id`. */
  has(id: string): boolean {
    return this.#inflight.has(id);
  }

  /** The flight `id` already running in this process, or the one `start` starts: one promise for every concurrent caller. */
  share(id: string, start: () => Promise<T>): Promise<T> {
    let pending = this.#inflight.get(id);
    if (pending) this.options.onJoin?.();
    else {
      pending = start().finally(() => this.#inflight.delete(id));
      this.#inflight.set(id, pending);
    }
    return pending;
  }

  /**
   * Takes the flight's lease and runs `hold` under it; while another holder has it, polls
   * (`look`) every `pollMs` and tries the lease again, and gives up (`giveUp`) when that holder
   * left the failure marker since this flight started or after `maxWaitMs`. `started`: when the
   * caller began asking (a caller that looked in Redis first counts from before that look, so a
   * failure marked meanwhile still ends its wait).
   */
  async run(id: string, steps: FlightSteps<T>, parent?: SpanParent, started = Date.now()): Promise<T> {
    const keys = this.options.keysOf(id);
    const flight: FlightStart = { started, waited: false };
    const deadline = flight.started + this.options.maxWaitMs;
    for (;;) {
      const lease = await this.#acquire(keys, parent);
      if (lease) return this.#hold(lease, keys, flight, steps.hold, parent);

      flight.waited = true;
      await sleep(this.options.pollMs);
      const result = await steps.look(flight);
      if (result !== undefined) return result;
      const failedAt = Number(await this.redis.get(keys.failed));
      if (failedAt >= flight.started || Date.now() > deadline) return steps.giveUp(flight);
    }
  }

  /** One attempt at the lease and `hold` under it, never waiting: `undefined` when somebody else holds it. */
  async runIfFree(id: string, hold: FlightSteps<T>['hold'], parent?: SpanParent): Promise<T | undefined> {
    const keys = this.options.keysOf(id);
    const started = Date.now();
    const lease = await this.#acquire(keys, parent);
    return lease ? this.#hold(lease, keys, { started, waited: false }, hold, parent) : undefined;
  }

  #acquire(keys: FlightKeys, parent: SpanParent | undefined): Promise<HeldLease | undefined> {
    const { leaseMs, onRenewError, fence } = this.options;
    return redisSpan(parent, fence ? 'EVAL' : 'SET', () => acquireLease(this.redis, keys.lease, leaseMs, onRenewError, fence));
  }

  async #hold(lease: HeldLease, keys: FlightKeys, flight: FlightStart, hold: FlightSteps<T>['hold'], parent: SpanParent | undefined): Promise<T> {
    const markFailed = async () => {
      await this.redis.set(keys.failed, String(Date.now()), { PX: FAILURE_MARKER_MS });
    };
    try {
      return await hold({ ...flight, lease, markFailed });
    } finally {
      // compare and delete (a script); a fence's release waits for a replica
      await redisSpan(parent, 'EVAL', () => lease.release());
    }
  }
}
