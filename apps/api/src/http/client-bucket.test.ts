import { describe, expect, it } from 'vitest';
import { clientBucket } from './client-bucket.js';

describe('clientBucket', () => {
  it('counts an IPv4 address as itself, also when written IPv4-mapped', () => {
    expect(clientBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(clientBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every IPv6 address of one /64 in the same bucket', () => {
    expect(clientBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientBucket('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(clientBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientBucket('::1')).toBe('0:0:0:0::/64');
    expect(clientBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientBucket('2001:db8:1:3::1')).not.toBe(clientBucket('2001:db8:1:2::1'));
  });

  it('hashes anything that is not an address into a short key without hash-tag braces', () => {
    const garbage = clientBucket(`}{${'x'.repeat(10_000)}`);
    expect(garbage).toMatch(/^h:[0-9a-f]{16}$/);
    expect(clientBucket('not an ip')).toBe(clientBucket('not an ip'));
    expect(clientBucket(undefined)).toBe('unknown');
  });
});
