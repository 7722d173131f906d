import { describe, expect, it } from 'vitest';
import { connectionListed, downstreamResponseHeaders } from './headers.js';

describe('Connection-listed headers', () => {
  it('parses the common values and any other list alike', () => {
    expect([...connectionListed({ connection: 'keep-alive' })]).toEqual(['keep-alive']);
    expect([...connectionListed({ connection: 'Close' })]).toEqual(['close']);
    expect([...connectionListed({ connection: 'Keep-Alive, X-Secret ,upgrade' })]).toEqual(['keep-alive', 'x-secret', 'upgrade']);
    expect(connectionListed({}).size).toBe(0);
  });

  it('drops what the upstream lists in Connection, hop-by-hop headers and Set-Cookie from its answer', () => {
    const out = downstreamResponseHeaders({
      connection: 'keep-alive, x-internal',
      'keep-alive': 'timeout=5',
      'x-internal': 'dropped',
      'set-cookie': ['a=1'],
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expect(out).toEqual({ 'content-type': 'application/json' });
    expect(downstreamResponseHeaders({ connection: 'keep-alive', 'x-kept': '1' })).toEqual({ 'x-kept': '1' });
  });
});
