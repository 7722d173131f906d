// Processes the benchmark measures next to the BFF, each a separate process so its CPU time can be
// read from /proc. Run as `tsx bench/targets.ts <role> <port> [upstreamUrl] [redisUrl] [keyPrefix] [tokenLength]`:
//   upstream     a minimal upstream (a fixed small JSON answer)
//   bare         node:http server piping to the upstream through a keep-alive http.Agent, no auth
//   bare-undici  node:http server streaming to the upstream through an undici Pool, no auth
//   floor        bare-undici plus what a correct BFF cannot skip: one Redis read of the caller's real
//                session key per request (node-redis 5, like the BFF; `HMGET v t s`, the BFF's check
//                of a record it knows, ADR 0001) and a bearer token of the real access token's
//                length (`tokenLength`) attached. No HMAC, no decryption, no log line: the cost
//                floor of the design.
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { createClient } from 'redis';
import { Pool } from 'undici';

const [role, portArg, upstreamArg, redisUrl, keyPrefix, tokenLengthArg] = process.argv.slice(2);
const port = Number(portArg);

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => console.log('ready'));
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'cookie', 'upgrade', 'te', 'trailer']);
function copyHeaders(headers: IncomingMessage['headers'], bearer?: string) {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP.has(name)) out[name] = value;
  }
  if (bearer) out.authorization = `Bearer ${bearer}`;
  return out;
}

/** undici streaming, shared by bare-undici and floor. */
function undiciForwarder(origin: string) {
  const pool = new Pool(origin, { keepAliveTimeout: 30_000 });
  return (req: IncomingMessage, res: ServerResponse, bearer?: string) => {
    pool
      .stream(
        { path: req.url!.slice(4) || '/', method: req.method as 'GET', headers: copyHeaders(req.headers, bearer), opaque: res },
        ({ statusCode, headers, opaque }) => {
          const out = opaque as ServerResponse;
          delete headers.connection;
          delete headers['keep-alive'];
          delete headers['transfer-encoding'];
          out.writeHead(statusCode, headers as Record<string, string>);
          return out;
        },
      )
      .catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
  };
}

if (role === 'upstream') {
  const body = JSON.stringify({ ok: true, message: 'hello from the benchmark upstream' });
  listen((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
} else if (role === 'bare') {
  const target = new URL(upstreamArg!);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  listen((req, res) => {
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url!.replace(/^\/api/, ''), method: req.method, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
} else if (role === 'bare-undici') {
  const forward = undiciForwarder(upstreamArg!);
  listen((req, res) => forward(req, res));
} else if (role === 'floor') {
  const forward = undiciForwarder(upstreamArg!);
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  // a token as long as the real one (the BFF sends the decrypted access token): same header bytes
  const token = 'x'.repeat(Number(tokenLengthArg ?? 1000));
  const fields = ['v', 't', 's'];
  listen((req, res) => {
    // the sid between `s:` (URL-encoded `s%3A`) and the signature's dot, not verified
    const cookie = req.headers.cookie ?? '';
    const start = cookie.indexOf('s%3A') + 4;
    const sid = cookie.slice(start, cookie.indexOf('.', start));
    redis.hmGet(`${keyPrefix}{${sid}}:tokens`, fields).then(
      ([v]) => {
        if (v == null) {
          res.writeHead(401);
          res.end();
          return;
        }
        forward(req, res, token);
      },
      () => {
        res.writeHead(503);
        res.end();
      },
    );
  });
} else {
  console.error('usage: targets.ts upstream|bare|bare-undici|floor <port> [upstreamUrl] [redisUrl] [keyPrefix] [tokenLength]');
  process.exit(2);
}
