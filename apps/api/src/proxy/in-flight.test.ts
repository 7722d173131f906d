import { describe, expect, it } from 'vitest';
import { InFlightLimiter } from './in-flight.js';

describe('InFlightLimiter', () => {
  it('refuses a caller past its limit without affecting other callers, and frees slots once', () => {
    const limiter = new InFlightLimiter(2);
    const a1 = limiter.acquire('a');
    const a2 = limiter.acquire('a');
    expect(a1 && a2).toBeTruthy();
    expect(limiter.acquire('a')).toBeUndefined();
    expect(limiter.acquire('b')).toBeTypeOf('function');
    a1!();
    a1!(); // a second release gives back nothing more
    expect(limiter.inFlight('a')).toBe(1);
    expect(limiter.acquire('a')).toBeTypeOf('function');
    expect(limiter.acquire('a')).toBeUndefined();
  });

  it('has no limit at 0', () => {
    const limiter = new InFlightLimiter(0);
    for (let i = 0; i < 1000; i++) expect(limiter.acquire('a')).toBeTypeOf('function');
  });
});
