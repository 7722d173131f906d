import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { spreadFraction } from './refresh-coordinator.js';

describe('refresh-ahead spread offsets', () => {
  it('are in [0, 1), the same for one session id, and even over many sessions', () => {
    const sid = randomBytes(24).toString('base64url');
    expect(spreadFraction(sid)).toBe(spreadFraction(sid));
    const tenths = Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const f = spreadFraction(randomBytes(24).toString('base64url'));
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      tenths[Math.floor(f * 10)]! += 1;
    }
    for (const n of tenths) expect(n).toBeGreaterThan(850); // 1,000 expected in each tenth
  });
});
