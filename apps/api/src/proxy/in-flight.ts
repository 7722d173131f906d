/**
 * Counts each caller's calls in flight on this instance, so that one session cannot hold every
 * upstream connection (hundreds of slow uploads, say) while other users wait: past `max`, a
 * call is refused (`429`) before it reaches the upstream. In memory and per instance on purpose:
 * a Redis counter would add a round trip to every proxied call.
 */
export class InFlightLimiter {
  readonly #counts = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `caller`: the function that gives it back, or `undefined` when the caller is at its limit. */
  acquire(caller: string): (() => void) | undefined {
    const count = this.#counts.get(caller) ?? 0;
    if (this.max > 0 && count >= this.max) return undefined;
    this.#counts.set(caller, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(caller) ?? 1) - 1;
      if (left <= 0) this.#counts.delete(caller);
      else this.#counts.set(caller, left);
    };
  }

  /** Calls in flight for `caller` (tests and metrics). */
  inFlight(caller: string): number {
    return this.#counts.get(caller) ?? 0;
  }
}
