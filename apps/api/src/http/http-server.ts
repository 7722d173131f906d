import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { TracedResponse } from './request-log.js';

/**
 * Limits of every HTTP server the API runs: the production entry point (`server.ts`) and the
 * test harness build their server here, so tests exercise exactly these limits.
 */
export const HTTP_LIMITS = {
  /** Request line plus headers; beyond it Node's parser answers 431 before any handler runs. */
  maxHeaderSize: 16 * 1024,
  /** Time a client gets to send the request line and headers (slow-loris guard); Node answers 408. */
  headersTimeout: 20_000,
  /**
   * Time a client gets to send a whole request, body included. Generous on purpose: `/api/*`
   * bodies stream to the upstream without a size limit (docs/adr/0003), so a large upload on a
   * slow link must fit. Bodies of `/auth/*` are capped separately (http/body-limit.ts).
   */
  requestTimeout: 300_000,
  /** Idle keep-alive; above the 60 s idle timeout of common load balancers, so they close first. */
  keepAliveTimeout: 65_000,
} as const;

/** Creates the Node HTTP server with {@link HTTP_LIMITS}; the listener may be attached later (`server.on('request', …)`). */
export function createHttpServer(handler?: RequestListener): Server {
  const server = createServer<typeof IncomingMessage, typeof TracedResponse>(
    {
      ServerResponse: TracedResponse, // X-Request-Id without leaving Node's fast header path
      maxHeaderSize: HTTP_LIMITS.maxHeaderSize,
      headersTimeout: HTTP_LIMITS.headersTimeout,
      requestTimeout: HTTP_LIMITS.requestTimeout,
      // strict parsing: no lenient handling of malformed headers, duplicate Content-Length or bad Transfer-Encoding
      insecureHTTPParser: false,
    },
    handler as RequestListener<typeof IncomingMessage, typeof TracedResponse> | undefined,
  );
  server.keepAliveTimeout = HTTP_LIMITS.keepAliveTimeout;
  return server;
}
