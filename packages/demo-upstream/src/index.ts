// DEV ONLY: a demo API behind the BFF proxy that checks the Cognito access token it receives,
// with a `/live` WebSocket (live.ts).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuthenticator } from './auth.js';
import { liveUpgrade } from './live.js';
import { route, sendJson } from './routes.js';

export { TOKEN_EXPIRED_CLOSE_CODE, type LiveTick } from './live.js';

/** Options of {@link startDemoUpstream}. */
export interface DemoUpstreamOptions {
  /** 0 (default) = random. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Cognito issuer whose JWKS signs the access tokens. */
  issuer: string;
  /** When set, tokens of other app clients are refused. */
  clientId?: string;
  /** Default true; false skips verification (benchmark baseline). */
  verify?: boolean;
  /** Interval of the `/live` WebSocket's ticks (default 1 s). */
  liveIntervalMs?: number;
}

/** A running demo upstream. */
export interface DemoUpstream {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts the demo upstream (`node:http`, keep-alive friendly). */
export async function startDemoUpstream(opts: DemoUpstreamOptions): Promise<DemoUpstream> {
  const authenticate = createAuthenticator({ issuer: opts.issuer, clientId: opts.clientId, verify: opts.verify ?? true });
  const server = createServer((req, res) => {
    authenticate(req.headers.authorization)
      .then((auth) => {
        if (auth.kind === 'invalid') {
          res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
          return sendJson(res, 401, {
            type: 'about:blank',
            title: 'Unauthorized',
            status: 401,
            detail: auth.detail,
            code: 'invalid_token',
          }, 'application/problem+json');
        }
        return route(req, res, auth.claims);
      })
      .catch((err: unknown) => {
        if (res.headersSent) res.destroy(err instanceof Error ? err : undefined);
        else sendJson(res, 500, { type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'internal' }, 'application/problem+json');
      });
  });
  const live = liveUpgrade(authenticate, opts.liveIntervalMs);
  server.on('upgrade', live.upgrade);
  // Longer than typical proxy pools' idle timeouts, so the upstream never closes a reused socket first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
        live.close();
      }),
  };
}
