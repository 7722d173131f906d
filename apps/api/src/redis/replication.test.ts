import { describe, expect, it } from 'vitest';
import { clusterSlot } from './replication.js';

describe('clusterSlot', () => {
  it('is CRC16 of the hash tag modulo 16384, as Redis computes it', () => {
    expect(clusterSlot('foo')).toBe(12182); // CLUSTER KEYSLOT foo
    expect(clusterSlot('123456789')).toBe(0x31c3); // the CRC16/XMODEM check value
    expect(clusterSlot('bff:{abc}:tokens')).toBe(clusterSlot('abc'));
    expect(clusterSlot('bff:{}:x')).toBe(clusterSlot('bff:{}:x'.toString())); // an empty tag hashes the whole key
    expect(clusterSlot('bff:{}:x')).not.toBe(clusterSlot(''));
  });
});
