import { randomUUID } from 'node:crypto';
import { ServerResponse, type IncomingMessage, type OutgoingHttpHeader, type OutgoingHttpHeaders } from 'node:http';
import { symbols, type Logger } from 'pino';
import type { Metrics } from '../telemetry/metrics.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** Request id: `X-Request-Id` when the caller sent a sane one, else a new UUID. */
    id?: string;
    /** `performance.now()` when the request log saw the request (its duration). */
    startedAt?: number;
  }
}

/** What runs when a response closes (finished, or the caller left): called with the response as `this`. */
export type CloseHook = (this: ServerResponse) => void;

/**
 * Runs `hook` when `res` closes. On a {@link TracedResponse} the hooks of one response share a
 * single `close` listener: the request log, the in-flight slot and the upstream call's abort each
 * added their own before, and an emitter with several listeners keeps an array, copies it on
 * every emit and splices it on every removal (docs/benchmarks.md). Hooks are never removed: a hook
 * whose work is done must be a no-op (the upstream call's abort checks `writableFinished`).
 */
export function whenClosed(res: ServerResponse, hook: CloseHook): void {
  if (res instanceof TracedResponse) res.addCloseHook(hook);
  else res.on('close', hook); // a server not made by createHttpServer (supertest)
}

function runCloseHooks(this: TracedResponse): void {
  TracedResponse.runCloseHooks(this);
}

/**
 * Sets `X-Request-Id` on the response now: for handlers that set headers one by one anyway
 * (Express replaces the response's prototype, so {@link TracedResponse.writeHead} would not run).
 */
export function echoRequestIdNow(res: ServerResponse): void {
  if (res instanceof TracedResponse && res.requestId !== undefined) {
    res.setHeader('x-request-id', res.requestId);
    res.requestId = undefined;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The response class of the API's server (http-server.ts): it writes `X-Request-Id` into the
 * headers passed to `writeHead` instead of the logger calling `res.setHeader` first. A header set
 * before `writeHead` sends Node down its slow path (every header of `writeHead` merged one by
 * one through `setHeader`); on the proxy path no other header is set early, so the fast path holds.
 */
export class TracedResponse<Req extends IncomingMessage = IncomingMessage> extends ServerResponse<Req> {
  /** Echoed as `X-Request-Id` when the head is written, unless the head already carries one. */
  requestId: string | undefined = undefined;
  #closeHooks: CloseHook | CloseHook[] | undefined = undefined;

  /** See {@link whenClosed}. */
  addCloseHook(hook: CloseHook): void {
    const hooks = this.#closeHooks;
    if (hooks === undefined) {
      this.#closeHooks = hook;
      this.on('close', runCloseHooks);
    } else if (typeof hooks === 'function') this.#closeHooks = [hooks, hook];
    else hooks.push(hook);
  }

  /**
   * Runs (once) the hooks added to `res` so far. Static, with the private field: Express gives the
   * responses it handles its own prototype, which has none of this class's methods.
   */
  static runCloseHooks(res: TracedResponse): void {
    const hooks = res.#closeHooks;
    res.#closeHooks = undefined;
    if (typeof hooks === 'function') hooks.call(res);
    else if (hooks) for (const hook of hooks) hook.call(res);
  }

  override writeHead(statusCode: number, reason?: string | OutgoingHttpHeaders | OutgoingHttpHeader[], headers?: OutgoingHttpHeaders | OutgoingHttpHeader[]): this {
    const id = this.requestId;
    if (id !== undefined) {
      this.requestId = undefined;
      const given = typeof reason === 'string' ? headers : reason;
      if (given !== undefined && !Array.isArray(given)) {
        if ((given as OutgoingHttpHeaders)['x-request-id'] === undefined) (given as OutgoingHttpHeaders)['x-request-id'] = id;
      } else if (!this.hasHeader('x-request-id')) this.setHeader('x-request-id', id);
    }
    // the overloads of ServerResponse.writeHead, passed through as called
    return typeof reason === 'string' ? super.writeHead(statusCode, reason, headers) : super.writeHead(statusCode, reason as OutgoingHttpHeaders);
  }
}

/**
 * One log line per request (id, method, path without query, status, duration) and the request
 * id echoed in `X-Request-Id`. The line is serialised by hand and written straight to the
 * logger's destination, in the exact shape pino gives (`level`, `time`, the logger's bindings,
 * then the fields and `msg`): pino's generic path (a child logger, serializers, redaction,
 * `JSON.stringify` of an object) cost several µs per request (docs/benchmarks.md). Every field
 * is one the code decides: the id matches {@link REQUEST_ID} or is a UUID, the method is one
 * Node's parser accepted, the path is JSON-escaped. Headers are never logged, so no cookie or
 * token can reach the log. The same measurement feeds the latency histogram of `metrics` (in
 * memory, no I/O).
 */
export function requestLogger(logger: Logger, metrics?: Pick<Metrics, 'observeRequest'>) {
  const stream = (logger as unknown as Record<symbol, { write(line: string): unknown }>)[symbols.streamSym]!;
  const bindings = JSON.stringify(logger.bindings()).slice(1, -1);
  const fields = bindings ? `${bindings},"reqId":"` : '"reqId":"';
  const info = logger.levels.values.info!;
  const warn = logger.levels.values.warn!;
  // one function for every response (a close hook gets the response as `this`), no closure per request
  const logResponse = function (this: ServerResponse) {
    const req = this.req;
    const status = this.statusCode;
    const elapsed = performance.now() - (req.startedAt ?? 0);
    const finished = this.writableFinished;
    metrics?.observeRequest(req.url ?? '/', status, finished, elapsed / 1000, this.route);
    const level = status >= 500 ? warn : info;
    if (level < logger.levelVal) return;
    const url = req.url ?? '';
    const query = url.indexOf('?');
    stream.write(
      `{"level":${level},"time":${Date.now()},${fields}${req.id}","method":"${req.method}","path":${JSON.stringify(query < 0 ? url : url.slice(0, query))},"status":${status},"ms":${Math.round(elapsed * 10) / 10}${finished ? '' : ',"aborted":true'},"msg":"request"}\n`,
    );
  };
  return (req: IncomingMessage, res: ServerResponse): string => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    req.startedAt = performance.now();
    if (res instanceof TracedResponse) res.requestId = id;
    else res.setHeader('x-request-id', id); // a server not made by createHttpServer (supertest)
    whenClosed(res, logResponse);
    return id;
  };
}
