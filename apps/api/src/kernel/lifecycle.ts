import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

/**
 * Whether this process is on its way out. Once draining, `/readyz` answers 503 (the load balancer
 * takes the instance out of rotation) and every response carries `Connection: close` (keep-alive
 * clients and the load balancer's pooled connections reconnect elsewhere).
 */
export class Lifecycle {
  #draining = false;

  /** True from the shutdown signal on. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Starts draining; idempotent. */
  drain(): void {
    this.#draining = true;
  }
}

/**
 * Makes every response written while draining close its connection: Node then sends
 * `Connection: close` and ends the socket after the response. Registered ahead of the app's
 * handler, so it runs before anything is written.
 */
export function closeConnectionsWhileDraining(server: Server, lifecycle: Lifecycle): void {
  server.prependListener('request', (_req, res) => {
    if (lifecycle.draining) res.shouldKeepAlive = false;
  });
}

/** Timings of {@link shutDownGracefully}. */
export interface ShutdownTimings {
  /** Keep serving this long after the signal, `/readyz` at 503 (`SHUTDOWN_DRAIN_MS`). */
  drainMs: number;
  /** Then, once the listener is closed, time requests in flight get before their connections are cut (`SHUTDOWN_GRACE_MS`). */
  graceMs: number;
}

/**
 * Rolling-restart shutdown: drain (ready → 503, `Connection: close`, still serving), then close
 * the listener, let in-flight requests and streams finish (idle keep-alive connections are closed
 * as their last response ends), cut what is left when the grace period is over, and resolve once
 * the server is closed. The caller then closes Redis and exits.
 */
export async function shutDownGracefully(server: Server, lifecycle: Lifecycle, timings: ShutdownTimings, logger: Logger, listener = 'public'): Promise<void> {
  lifecycle.drain();
  if (listener === 'public') logger.info({ drainMs: timings.drainMs }, 'draining: /readyz answers 503, responses close their connections');
  if (timings.drainMs > 0) await sleep(timings.drainMs);
  logger.info({ graceMs: timings.graceMs, listener }, 'listener closing: waiting for requests in flight');
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const reaper = setInterval(() => server.closeIdleConnections(), 50);
  const force = setTimeout(() => {
    logger.warn('grace period over; closing remaining connections');
    server.closeAllConnections();
  }, timings.graceMs);
  server.closeIdleConnections();
  await closed;
  clearInterval(reaper);
  clearTimeout(force);
}
