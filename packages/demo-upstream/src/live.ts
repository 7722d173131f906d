// The demo upstream's `/live` WebSocket: the user's name and a tick every second, so the web app
// can show a live feature through the BFF. It checks the bearer token of the handshake like
// every other route, and closes with 4001 when that token expires: the client reconnects, and
// the BFF refreshes the token on the new handshake.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { JWTPayload } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Authenticate } from './auth.js';

/** Close code of the demo upstream when the access token it accepted expires. */
export const TOKEN_EXPIRED_CLOSE_CODE = 4001;

/** One message of the feed. */
export interface LiveTick {
  type: 'tick';
  user: string;
  tick: number;
  at: string;
  /** Unix seconds: when the access token the socket was opened with expires. */
  tokenExpiresAt: number | null;
}

/** The server's `upgrade` listener for `/live` (any other path: 404). */
export function liveUpgrade(authenticate: Authenticate, intervalMs = 1_000) {
  const wss = new WebSocketServer({ noServer: true });
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const path = new URL(req.url ?? '/', 'http://upstream.invalid').pathname;
    if (path !== '/live') return refuse(socket, 404, 'not_found');
    authenticate(req.headers.authorization).then(
      (auth) => {
        if (auth.kind === 'invalid') return refuse(socket, 401, 'invalid_token');
        wss.handleUpgrade(req, socket, head, (ws) => feed(ws, auth.claims, intervalMs));
      },
      () => refuse(socket, 500, 'internal'),
    );
  };
  return { upgrade, close: () => wss.clients.forEach((ws) => ws.terminate()) };
}

function feed(ws: WebSocket, claims: JWTPayload, intervalMs: number): void {
  const user = typeof claims.username === 'string' ? claims.username : String(claims.sub ?? 'anonymous');
  const tokenExpiresAt = typeof claims.exp === 'number' ? claims.exp : null;
  let tick = 0;
  const send = () => {
    if (tokenExpiresAt !== null && Date.now() >= tokenExpiresAt * 1000) return ws.close(TOKEN_EXPIRED_CLOSE_CODE, 'token expired');
    const message: LiveTick = { type: 'tick', user, tick: ++tick, at: new Date().toISOString(), tokenExpiresAt };
    ws.send(JSON.stringify(message));
  };
  send();
  const timer = setInterval(send, intervalMs);
  ws.on('close', () => clearInterval(timer));
}

function refuse(socket: Duplex, status: number, code: string): void {
  const body = JSON.stringify({ type: 'about:blank', status, code });
  socket.end(`HTTP/1.1 ${status} ${code}\r\ncontent-type: application/problem+json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
}
