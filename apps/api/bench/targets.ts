// Processes the benchmark measures: a minimal upstream and a bare node:http proxy (no auth).
// Run as `tsx bench/targets.ts upstream <port>` or `tsx bench/targets.ts bare <port> <upstreamUrl>`.
import { Agent, createServer, request } from 'node:http';

const [role, portArg, upstreamArg] = process.argv.slice(2);
const port = Number(portArg);

if (role === 'upstream') {
  const body = JSON.stringify({ ok: true, message: 'hello from the benchmark upstream' });
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => console.log('ready'));
} else if (role === 'bare') {
  const target = new URL(upstreamArg!);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const server = createServer((req, res) => {
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
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => console.log('ready'));
} else {
  console.error('usage: targets.ts upstream|bare <port> [upstreamUrl]');
  process.exit(2);
}
