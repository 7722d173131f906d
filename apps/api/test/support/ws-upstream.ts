import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** What the upstream saw of one WebSocket: its handshake, and how it closed. */
export interface UpstreamSocket {
  url: string;
  headers: IncomingHttpHeaders;
  socket: WebSocket;
  /** Resolves with the close code the upstream received (the BFF's close frame, or 1006). */
  closed: Promise<number>;
}

/**
 * A WebSocket upstream for proxy tests (the `ws` library): records each handshake, echoes every
 * message back, answers `big:<n>` with one binary message of n bytes, and refuses handshakes
 * on `/refuse` with a `403` JSON body (the BFF must pass that on).
 */
export async function startWsUpstream() {
  const sockets: UpstreamSocket[] = [];
  const server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith('/refuse')) {
      const body = '{"refused":true}';
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\nset-cookie: planted=1\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      sockets.push({ url: req.url ?? '', headers: req.headers, socket: ws, closed });
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? undefined : data.toString();
        if (text?.startsWith('big:')) ws.send(Buffer.alloc(Number(text.slice(4)), 1));
        else ws.send(data, { binary: isBinary });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    server,
    async close() {
      for (const client of wss.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
