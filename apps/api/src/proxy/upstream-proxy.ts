import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, Pool } from 'undici';
import type { Logger } from 'pino';
import { sendProblem } from '../http/problem.js';
import type { UpstreamErrorKind } from '../observability/metrics.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { errorSummary } from '../logger.js';

/**
 * Streams one request to the upstream over a keep-alive undici pool and the answer back
 * (docs/adr/0003-proxy-on-undici-ahead-of-express.md). Nothing is buffered: request and response
 * bodies flow with backpressure, so a 100 MB body passes with flat memory.
 */
export class UpstreamProxy {
  readonly #pool: Pool;
  readonly #basePath: string;

  constructor(
    upstreamUrl: string,
    private readonly timeoutMs: number,
    private readonly forwardedProto: string,
    private readonly logger: Logger,
    private readonly metrics?: { upstreamError(kind: UpstreamErrorKind): void },
  ) {
    const url = new URL(upstreamUrl);
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      connections: 256,
      keepAliveTimeout: 30_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connectTimeout: Math.min(timeoutMs, 10_000),
    });
  }

  /** Maps the part of the URL after `/api` onto the upstream's base path. */
  upstreamPath(rest: string): string {
    return `${this.#basePath}${rest.startsWith('/') ? rest : `/${rest}`}`;
  }

  /** Forwards `req` with `Authorization: Bearer <accessToken>` and streams the answer into `res`. */
  async forward(req: IncomingMessage, res: ServerResponse, path: string, accessToken: string): Promise<void> {
    // undici takes an EventEmitter as signal: cheaper than an AbortController per request
    const abort = new EventEmitter() as EventEmitter & { aborted?: boolean };
    const onClose = () => {
      if (res.writableFinished) return;
      abort.aborted = true;
      abort.emit('abort');
    };
    res.once('close', onClose);
    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    try {
      await this.#pool.stream(
        {
          path,
          method: req.method as 'GET',
          headers: upstreamRequestHeaders(req, accessToken, this.forwardedProto),
          body: hasBody ? req : null,
          signal: abort,
          opaque: res,
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
    } finally {
      res.off('close', onClose);
    }
  }

  #fail(res: ServerResponse, err: unknown) {
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

  /** Closes the pool's connections (shutdown). */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
