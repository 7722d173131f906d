import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../kernel/logger.js';
import { AppError, logError } from './errors.js';
import { problemResponse } from './problem.js';

/** A logger whose lines are kept, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('trace', stream), lines };
}

/** An error as a library may throw it: request data among its own properties. */
function errorWithRequest(message: string): Error {
  return Object.assign(new Error(message), { headers: { cookie: 'bff.sid=s%3Asecret', authorization: 'Bearer eyJhbGciOi' } });
}

describe('logError: the one way an error is logged', () => {
  it('logs a bug at error with name, message and stack, and nothing of its other properties', () => {
    const { logger, lines } = capture();
    logError(logger, new AppError('internal_error', undefined, { cause: errorWithRequest('boom') }), { reqId: 'r-1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, reqId: 'r-1', msg: 'unhandled error', err: { name: 'Error', message: 'boom', stack: expect.stringContaining('boom') } });
    expect(JSON.stringify(lines[0])).not.toMatch(/secret|eyJ|cookie|authorization/);
  });

  it('logs an expected 5xx at warn with its code and a summary of its cause, under the message given', () => {
    const { logger, lines } = capture();
    const cause = Object.assign(errorWithRequest('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    logError(logger, new AppError('upstream_unavailable', undefined, { cause }), { event: 'upstream_error', kind: 'unavailable' }, 'upstream failed');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, event: 'upstream_error', kind: 'unavailable', code: 'upstream_unavailable', cause: { name: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' }, msg: 'upstream failed' }),
    ]);
    expect(JSON.stringify(lines[0])).not.toMatch(/secret|eyJ/);
  });

  it('titles a 5xx line by its code when no message is given, and leaves out a cause it does not have', () => {
    const { logger, lines } = capture();
    logError(logger, new AppError('session_store_unavailable'));
    expect(lines[0]).toMatchObject({ level: 40, code: 'session_store_unavailable', msg: 'Session store unavailable' });
    expect(lines[0]).not.toHaveProperty('cause');
  });

  it('does not log a 4xx: the request line says the status', () => {
    const { logger, lines } = capture();
    logError(logger, new AppError('bad_request', 'no'));
    logError(logger, new AppError('request_timeout', undefined, { cause: new Error('idle') }));
    expect(lines).toEqual([]);
  });
});

describe('problemResponse: a problem+json answer for a socket', () => {
  it('writes the status line, the problem headers, connection: close, the extra headers and the body', () => {
    const text = problemResponse('rate_limited', 'Too many.', { 'retry-after': '5' }).toString('latin1');
    const [head, body] = text.split('\r\n\r\n');
    expect(head!.split('\r\n')).toEqual([
      'HTTP/1.1 429 Too Many Requests',
      'content-type: application/problem+json',
      `content-length: ${Buffer.byteLength(body!)}`,
      'cache-control: no-store',
      'connection: close',
      'retry-after: 5',
    ]);
    expect(JSON.parse(body!)).toEqual({ type: 'https://cognito-bff.dev/problems/rate-limited', title: 'Too many requests', status: 429, detail: 'Too many.', code: 'rate_limited' });
  });
});
