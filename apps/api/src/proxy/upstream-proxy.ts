import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { errors, Pool } from 'undici';
import type { Logger } from 'pino';
import { sendProblem } from '../http/problem.js';
import { whenClosed } from '../http/request-log.js';
import type { UpstreamErrorKind } from '../observability/metrics.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { Forwarding } from './forwarding.js';
import { errorSummary } from '../logger.js';

/** Where one call goes: the upstream's origin, the path (and query) there, and the time it gets to send its response headers. */
export interface UpstreamTarget {
  origin: string;
  path: string;
  timeoutMs: number;
}

/**
 * The abort signal of one upstream call: the smallest object undici accepts as `signal` (`aborted`
 * and an `abort` listener added with `once` and removed with `removeListener`; undici checks for
 * `on`), one listener at most. An `AbortController`, or an `EventEmitter` with its listener table, per request cost
 * more than the call needs (docs/benchmarks.md).
 */
class CallSignal {
  aborted = false;
  #listener: (() => void) | undefined;

  once(_event: 'abort', listener: () => void): this {
    this.#listener = listener;
    return this;
  }

  on(event: 'abort', listener: () => void): this {
    return this.once(event, listener);
  }

  removeListener(_event: 'abort', listener: () => void): this {
    if (this.#listener === listener) this.#listener = undefined;
    return this;
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}

/** The client stopped sending its request body for longer than the body idle timeout. */
class ClientBodyIdleError extends Error {
  constructor() {
    super('request body idle');
    this.name = 'ClientBodyIdleError';
  }
}

/**
 * Streams one request to an upstream over a keep-alive undici pool (one per upstream origin) and
 * the answer back (docs/adr/0003-proxy-on-undici-ahead-of-express.md). Nothing is buffered: request
 * and response bodies flow with backpressure, so a 100 MB body passes with flat memory.
 *
 * Pools have no connection cap: a cap would let a few slow calls queue everyone else's behind them.
 * What bounds one client instead is the per-session limit on calls in flight (in-flight.ts) and the
 * request body idle timeout: a client that stops sending its body for `bodyIdleTimeoutMs` gets
 * `408` and its upstream connection is released.
 */
export class UpstreamProxy {
  readonly #pools = new Map<string, Pool>();

  constructor(
    private readonly forwarding: Forwarding,
    private readonly bodyIdleTimeoutMs: number,
    private readonly logger: Logger,
    private readonly metrics?: { upstreamError(kind: UpstreamErrorKind): void },
  ) {}

  /** Forwards `req` (with `Authorization: Bearer <accessToken>` when given) and streams the answer into `res`. */
  async forward(req: IncomingMessage, res: ServerResponse, target: UpstreamTarget, accessToken: string | undefined): Promise<void> {
    const abort = new CallSignal();
    // a no-op once the answer is complete (the hook stays: see whenClosed)
    whenClosed(res, () => {
      if (!res.writableFinished) abort.abort();
    });
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    try {
      await this.#pool(target.origin).stream(
        {
          path: target.path,
          method: req.method as 'GET',
          headers: upstreamRequestHeaders(req, accessToken, this.forwarding),
          // undici writes any async iterable as a body; its typings list only streams
          body: hasBody ? (this.#watchedBody(req) as unknown as Readable) : null,
          signal: abort as unknown as EventEmitter,
          opaque: res,
          // the route's timeout bounds the wait for the response headers only: once they are here,
          // a stream (SSE, chunked) may last and pause as long as it likes; the caller ends it by leaving
          headersTimeout: target.timeoutMs,
          bodyTimeout: 0,
        },
        ({ statusCode, headers, opaque }) => {
          const out = opaque as ServerResponse;
          out.writeHead(statusCode, downstreamResponseHeaders(headers));
          return out;
        },
      );
    } catch (err) {
      if (abort.aborted) return; // the caller went away; nothing to answer
      this.#fail(res, err);
    }
  }

  /**
   * The request body, failing with {@link ClientBodyIdleError} when the client sends nothing for
   * the body idle timeout. Only the wait for the client counts, not the wait for the upstream to
   * take a chunk (backpressure), so a slow upstream is never blamed on the client.
   */
  async *#watchedBody(req: IncomingMessage): AsyncGenerator<Buffer> {
    const chunks = req[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let timer: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const next = await Promise.race([
          chunks.next(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new ClientBodyIdleError()), this.bodyIdleTimeoutMs);
          }),
        ]);
        clearTimeout(timer);
        if (next.done) return;
        yield next.value;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { keepAliveTimeout: 30_000, connectTimeout: 10_000 });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  #fail(res: ServerResponse, err: unknown) {
    if (err instanceof ClientBodyIdleError || (err instanceof Error && err.cause instanceof ClientBodyIdleError)) {
      this.logger.info({ event: 'request_body_idle' }, 'client stopped sending its request body');
      sendProblem(res, 'request_timeout', `No part of the request body arrived for ${this.bodyIdleTimeoutMs} ms.`);
      return;
    }
    const timeout = err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || err instanceof errors.ConnectTimeoutError;
    const kind: UpstreamErrorKind = timeout ? 'timeout' : 'unavailable';
    this.metrics?.upstreamError(kind);
    this.logger.warn({ event: 'upstream_error', kind, err: errorSummary(err) }, 'upstream failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, timeout ? 'upstream_timeout' : 'upstream_unavailable');
  }

  /** Closes every pool's connections (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }
}
