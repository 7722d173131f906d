import { describe, expect, it } from 'vitest';
import { Lru } from './lru.js';

describe('Lru', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
  });

  it('never holds more than max entries, and keeps the ones in use however many others pass through', () => {
    const lru = new Lru<number, number>(100);
    for (const hot of [0, 1, 2]) lru.set(hot, hot);
    for (let i = 0; i < 10_000; i++) {
      lru.set(i, i);
      expect(lru.get(-1)).toBeUndefined();
      if (i % 10 === 0) lru.set(-2, i); // replaced, not duplicated
      for (const hot of [0, 1, 2]) expect(lru.get(hot)).toBe(hot); // used all the time: never evicted
      expect(lru.size).toBeLessThanOrEqual(100);
    }
    expect(lru.get(-2)).toBe(9_990);
    expect(lru.get(9_999)).toBe(9_999);
    expect(lru.get(5_000)).toBeUndefined();
  });

  it('forgets a deleted entry in either generation, and every entry on clear', () => {
    const lru = new Lru<string, number>(4);
    lru.set('old', 1);
    lru.set('b', 2);
    lru.set('c', 3); // 'old' and 'b' are now the previous generation
    lru.delete('old');
    lru.delete('c');
    expect(lru.get('old')).toBeUndefined();
    expect(lru.get('c')).toBeUndefined();
    expect(lru.get('b')).toBe(2);
    lru.clear();
    expect(lru.size).toBe(0);
    expect(lru.get('b')).toBeUndefined();
  });
});
