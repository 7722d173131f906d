import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { errors, Pool, type Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { AppError } from '../http/errors.js';
import { answerProblem } from '../http/problem.js';
import { whenClosed } from '../http/request-log.js';
import type { UpstreamErrorKind } from '../telemetry/metrics.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import type { Forwarding } from './forwarding.js';

/** Where one call goes: the upstream's origin, the path (and query) there, and the time it gets to send its response headers. */
export interface UpstreamTarget {
  origin: string;
  path: string;
  timeoutMs: number;
}

/**
 * One call's undici dispatch handler: the upstream's answer written into the caller's response
 * as it arrives, with backpressure both ways (undici pauses reading the upstream while `res` is
 * full, and resumes on `drain`). A handler of our own rather than undici's `stream()`: that one
 * adds a handler object with its async resource, a promise, an `AbortSignal` adapter and
 * `finished()` listeners to every call, where the response's single close hook does (whenClosed).
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/Dispatcher.md#dispatcherdispatchoptions-handler
 */
class UpstreamCall implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  /** The caller left before the answer was complete: the call is aborted (when undici starts it, if it has not yet). */
  #callerGone = false;
  #finished = false;
  #draining = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly proxy: UpstreamProxy,
    private readonly done: (() => void) | undefined,
  ) {}

  /** The response's close hook: a caller that leaves before the answer is complete aborts the upstream call. */
  readonly callerLeft = (): void => {
    if (this.#finished || this.res.writableFinished) return;
    this.#callerGone = true;
    this.#controller?.abort(new errors.RequestAbortedError());
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#callerGone) controller.abort(new errors.RequestAbortedError());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: informational, not passed on
    try {
      this.res.writeHead(statusCode, downstreamResponseHeaders(headers));
    } catch (err) {
      controller.abort(err as Error); // a header Node refuses to send (invalid characters): answered as a failed upstream
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.res.write(chunk)) return;
    controller.pause();
    if (!this.#draining) {
      this.#draining = true;
      this.res.on('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#finished = true;
    this.res.end();
    this.done?.();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#callerGone) this.proxy.fail(this.res, err); // else the caller went away: nothing to answer
    this.done?.();
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

  /**
   * Forwards `req` (with `Authorization: Bearer <accessToken>` when given) and streams the answer
   * into `res`. Never throws for the call's own failures (they are answered: 502, 504, 408);
   * `done` runs once the answer is complete or failed (the tracing span's end).
   */
  forward(req: IncomingMessage, res: ServerResponse, target: UpstreamTarget, accessToken: string | undefined, done?: () => void): void {
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    const call = new UpstreamCall(res, this, done);
    whenClosed(res, call.callerLeft);
    this.#pool(target.origin).dispatch(
      {
        path: target.path,
        method: req.method as 'GET',
        headers: upstreamRequestHeaders(req, accessToken, this.forwarding),
        // undici writes any async iterable as a body; its typings list only streams
        body: hasBody ? (this.#watchedBody(req) as unknown as Readable) : null,
        // the route's timeout bounds the wait for the response headers only: once they are here,
        // a stream (SSE, chunked) may last and pause as long as it likes; the caller ends it by leaving
        headersTimeout: target.timeoutMs,
        bodyTimeout: 0,
      },
      call,
    );
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

  /**
   * Answers a failed call (its upstream down, slow, or the client's body idle), or cuts a response
   * already under way. The proxy knows undici's errors, so it names their code itself (a coded
   * {@link AppError}); logging and answering are http/'s one way ({@link answerProblem}).
   */
  fail(res: ServerResponse, err: unknown): void {
    if (err instanceof ClientBodyIdleError || (err instanceof Error && err.cause instanceof ClientBodyIdleError)) {
      this.logger.info({ event: 'request_body_idle' }, 'client stopped sending its request body');
      answerProblem(res, new AppError('request_timeout', `No part of the request body arrived for ${this.bodyIdleTimeoutMs} ms.`, { cause: err }), this.logger);
      return;
    }
    const timeout = err instanceof errors.HeadersTimeoutError || err instanceof errors.BodyTimeoutError || err instanceof errors.ConnectTimeoutError;
    const kind: UpstreamErrorKind = timeout ? 'timeout' : 'unavailable';
    this.metrics?.upstreamError(kind);
    const error = new AppError(timeout ? 'upstream_timeout' : 'upstream_unavailable', undefined, { cause: err });
    answerProblem(res, error, this.logger, { event: 'upstream_error', kind }, 'upstream failed');
  }

  /** Closes every pool's connections (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }
}
