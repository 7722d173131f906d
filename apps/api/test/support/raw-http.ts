import { connect } from 'node:net';

/** What came back on a raw TCP connection for one request. */
export interface RawResponse {
  /** `response`: a whole response was read; `closed`: the server closed (or reset) without one; `timeout`: neither in time. */
  outcome: 'response' | 'closed' | 'timeout';
  status?: number;
  /** Header names in lower case (the last value wins). */
  headers: Record<string, string>;
  body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Writes `data` as is on a fresh TCP connection (nothing normalises it, unlike an HTTP client)
 * and reads the first final response: until its body is complete (Content-Length, chunked, or no
 * body for HEAD/204/304), the server closes, or `timeoutMs` passes. The connection is then closed.
 */
export function rawRequest(target: { host: string; port: number }, data: Buffer | string, options: { timeoutMs?: number; head?: boolean } = {}): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    let buffer = Buffer.alloc(0);
    let parsed: { status: number; headers: Record<string, string>; bodyStart: number } | undefined;
    let done = false;
    const finish = (outcome: RawResponse['outcome']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (!parsed) return resolve({ outcome: outcome === 'response' ? 'closed' : outcome, headers: {}, body: Buffer.alloc(0) });
      resolve({ outcome: 'response', status: parsed.status, headers: parsed.headers, body: buffer.subarray(parsed.bodyStart) });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 5_000);
    const complete = () => {
      if (!parsed) return false;
      const { status, headers, bodyStart } = parsed;
      if (options.head || status === 204 || status === 304) return true;
      const body = buffer.subarray(bodyStart);
      if (headers['content-length'] !== undefined) return body.length >= Number(headers['content-length']);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) return body.subarray(-5).toString('latin1') === '0\r\n\r\n';
      return false; // read until close
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (!parsed) {
        const end = buffer.indexOf(HEAD_END);
        if (end < 0) return;
        const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '')?.[1]);
        if (status >= 100 && status < 200) {
          buffer = buffer.subarray(end + 4); // interim response (100 Continue): skip it
          continue;
        }
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        parsed = { status, headers, bodyStart: end + 4 };
      }
      if (complete()) finish('response');
    });
    socket.on('error', () => finish(parsed ? 'response' : 'closed'));
    socket.on('close', () => finish(parsed ? 'response' : 'closed'));
    socket.on('connect', () => socket.write(data));
  });
}
