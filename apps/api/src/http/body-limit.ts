import type { RequestHandler } from 'express';
import { AppError } from './errors.js';

/**
 * Express guard for routes that take at most a tiny body: a `Content-Length` above `maxBytes`
 * answers `413 payload_too_large` before a byte of the body is read. A body without a length
 * (`Transfer-Encoding: chunked`) is refused the same way: its size is unknown until it has been
 * read, and no client of these routes streams (browsers and fetch send `Content-Length` for a
 * string or JSON body). The answer carries `Connection: close`, so Node closes the socket instead
 * of draining the rest of an oversized body to reuse it.
 */
export function limitBody(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const length = req.headers['content-length'];
    if (req.headers['transfer-encoding'] === undefined && (length === undefined || Number(length) <= maxBytes)) return next();
    res.setHeader('connection', 'close');
    next(new AppError('payload_too_large', `Requests to this route carry at most ${maxBytes} bytes, sent with Content-Length.`));
  };
}
