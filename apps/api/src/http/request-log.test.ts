import { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from './http-server.js';
import { createLogger } from '../kernel/logger.js';
import { requestLogger, whenClosed } from './request-log.js';

/** A log destination that keeps every line. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

/** Sends raw request bytes and resolves with the raw answer once the server closes the connection. */
function raw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

let closeServer: (() => void) | undefined;
afterEach(() => closeServer?.());

async function serve(level: string) {
  const { stream, lines } = capture();
  const logger = createLogger(level, stream);
  const log = requestLogger(logger);
  const server = createHttpServer((req, res) => {
    log(req, res);
    res.writeHead(Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200), { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closeServer = () => server.close();
  return { port: (server.address() as AddressInfo).port, lines, logger };
}

describe('request log line', () => {
  it('is one JSON line in the shape pino writes, with the path JSON-escaped and the query left out', async () => {
    const { port, lines, logger } = await serve('info');
    // a quote, a backslash and braces reach req.url through Node's parser (bytes above ASCII do not: 400)
    const path = Buffer.from('/api/a"b\\c/{x}?token=secret&status=201');
    const answer = await raw(port, Buffer.concat([Buffer.from('GET '), path, Buffer.from(' HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-1\r\nConnection: close\r\n\r\n')]));
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    await new Promise((r) => setTimeout(r, 20));
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toEqual({ level: 30, time: expect.any(Number), service: 'cognito-bff', reqId: 'abc-1', method: 'GET', path: '/api/a"b\\c/{x}', status: 201, ms: expect.any(Number), msg: 'request' });
    expect(lines[0]).not.toContain('secret');
    // the same keys in the same order as pino's own line for these fields
    logger.info({ reqId: 'abc-1', method: 'GET', path: '/', status: 201, ms: 1 }, 'request');
    await new Promise((r) => setTimeout(r, 20));
    expect(Object.keys(JSON.parse(lines[1]!) as object)).toEqual(Object.keys(entry));
  });

  it('logs 5xx at warn, and nothing below the configured level', async () => {
    const { port, lines } = await serve('warn');
    await fetch(`http://127.0.0.1:${port}/x?status=200`);
    await fetch(`http://127.0.0.1:${port}/x?status=503`);
    await new Promise((r) => setTimeout(r, 20));
    expect(lines.map((l) => JSON.parse(l) as { level: number; status: number })).toEqual([expect.objectContaining({ level: 40, status: 503 })]);
  });
});

describe('BatchedDestination', () => {
  it('hands lines on in chunks: when enough have gathered, on its timer, and on flushSync', async () => {
    const { BatchedDestination } = await import('../kernel/logger.js');
    const chunks: string[] = [];
    let synced = 0;
    const batched = new BatchedDestination({ write: (c) => chunks.push(c), flushSync: () => synced++ }, 30, 50);
    batched.write('{"a":1}\n');
    batched.write('{"b":2}\n');
    expect(chunks).toEqual([]); // 16 characters gathered, under 30
    batched.write('{"c":3333333333}\n');
    expect(chunks).toEqual(['{"a":1}\n{"b":2}\n{"c":3333333333}\n']);
    batched.write('{"d":4}\n');
    await new Promise((r) => setTimeout(r, 120)); // the timer writes out what is left
    expect(chunks[1]).toBe('{"d":4}\n');
    batched.write('{"e":5}\n');
    batched.flushSync();
    expect(chunks[2]).toBe('{"e":5}\n');
    expect(synced).toBe(1);
  });
});

describe('close hooks of a response', () => {
  it('run once each, with the response as this, finished or abandoned, also after Express swapped the prototype', async () => {
    const ran: string[] = [];
    const server = createHttpServer((req, res) => {
      const hook = (name: string) =>
        function (this: ServerResponse) {
          ran.push(`${name}:${this === res}:${this.writableFinished}`);
        };
      whenClosed(res, hook('a'));
      whenClosed(res, hook('b'));
      if (req.url === '/express') Object.setPrototypeOf(res, Object.create(ServerResponse.prototype)); // what Express does
      whenClosed(res, hook('c'));
      if (req.url === '/leave') return; // never answered: the caller gives up
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closeServer = () => server.close();
    const { port } = server.address() as AddressInfo;
    for (const path of ['/done', '/express']) {
      ran.length = 0;
      await raw(port, Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      await new Promise((r) => setTimeout(r, 20));
      expect(ran).toEqual(['a:true:true', 'b:true:true', 'c:true:true']);
    }
    ran.length = 0;
    const socket = connect(port, '127.0.0.1', () => socket.write('GET /leave HTTP/1.1\r\nHost: x\r\n\r\n'));
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual(['a:true:false', 'b:true:false', 'c:true:false']);
  });
});
