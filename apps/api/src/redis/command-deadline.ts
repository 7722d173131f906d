import { TimeoutError } from 'redis';

/** Lifecycle methods that may legitimately take longer than one command. */
const NOT_COMMANDS = new Set<PropertyKey>(['connect', 'close', 'destroy', 'quit', 'disconnect']);

/** A command waiting for its reply, in a list ordered by deadline (all share one timeout). */
interface Pending {
  at: number;
  reject: ((err: Error) => void) | undefined;
  prev: Pending | undefined;
  next: Pending | undefined;
}

/**
 * Deadlines of every command with one timer for all of them: since every command gets the same
 * timeout, appending keeps the list ordered by deadline; a reply unlinks its entry (O(1), so it
 * dies young), and a sweep every `resolutionMs` fails the entries whose time is up. A
 * `setTimeout` per command costs a timer object, a timer-list insert and removal, a deadline
 * promise and a `Promise.race` for every Redis call on the hot path.
 */
export class CommandDeadlines {
  #head: Pending | undefined;
  #tail: Pending | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    private readonly resolutionMs = 100,
    /** Told of every command that failed, its own error or the deadline's (no extra promise per command for it). */
    private readonly onFailure?: (err: unknown) => void,
  ) {}

  /** `result`, or a `TimeoutError` when it has not settled within the timeout (+ at most the resolution). */
  track<T>(result: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { at: Date.now() + this.timeoutMs, reject, prev: this.#tail, next: undefined };
      if (this.#tail) this.#tail.next = entry;
      else this.#head = entry;
      this.#tail = entry;
      this.#timer ??= setInterval(() => this.#sweep(), this.resolutionMs).unref();
      result.then(
        (value) => {
          if (this.#unlink(entry)) resolve(value);
        },
        (err: unknown) => {
          if (!this.#unlink(entry)) return;
          this.onFailure?.(err);
          reject(err as Error);
        },
      );
    });
  }

  /** Removes a settled entry; false when the sweep got there first (the caller already has its TimeoutError). */
  #unlink(entry: Pending): boolean {
    if (entry.reject === undefined) return false;
    entry.reject = undefined;
    if (entry.prev) entry.prev.next = entry.next;
    else this.#head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.#tail = entry.prev;
    entry.prev = entry.next = undefined;
    return true;
  }

  #sweep(): void {
    const now = Date.now();
    while (this.#head && this.#head.at <= now) {
      const reject = this.#head.reject!;
      this.#unlink(this.#head);
      const err = new TimeoutError();
      this.onFailure?.(err);
      reject(err);
    }
    if (!this.#head) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/**
 * node-redis's own `timeout` only covers commands not yet written to the socket; a Redis that
 * hangs with its connection open (overloaded, SIGSTOPped, a network black hole) would leave every
 * written command waiting forever. This proxy puts a deadline on every command's promise, so a
 * request answers 503 in time whatever state the socket is in. Late replies are dropped by the
 * client as usual; `commandsQueueMaxLength` bounds what piles up meanwhile. It forwards to
 * whatever client `current()` returns at the time of the call (the cluster client is replaced
 * when it is rebuilt) and tells `onFailure` about every failed command. The wrapper of each
 * method is made once, and found first on every later access (a command stays a method, and the
 * wrapper resolves the current client per call).
 */
export function withDeadline<C extends object>(current: () => C, ms: number, onFailure?: (err: unknown) => void): C {
  const deadlines = new CommandDeadlines(ms, undefined, onFailure);
  const wrapped = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  return new Proxy(current(), {
    get(_initial, prop) {
      const known = wrapped.get(prop);
      if (known) return known;
      const target = current();
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (NOT_COMMANDS.has(prop)) return (value as (...a: unknown[]) => unknown).bind(target);
      const call = (...args: unknown[]) => {
        const client = current(); // resolved per call: the client may have been rebuilt since
        const result: unknown = (Reflect.get(client, prop, client) as (...a: unknown[]) => unknown).apply(client, args);
        return result instanceof Promise ? deadlines.track(result) : result;
      };
      wrapped.set(prop, call);
      return call;
    },
  });
}
