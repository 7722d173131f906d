import { createHash } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * The bucket a client address is counted in by the rate limiter: an IPv4 address as is (also when
 * written as an IPv4-mapped IPv6 address), an IPv6 address by its /64 (one subscriber usually
 * holds a whole /64, so counting single addresses would be no limit at all), and anything else
 * (a garbage `X-Forwarded-For` from a trusted proxy) by a short hash, so the Redis key stays small
 * and free of `{`/`}`, which would break the key's hash tag.
 */
export function clientBucket(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1];
  if (mapped && isIP(mapped) === 4) return mapped;
  if (isIP(ip) === 4) return ip;
  if (isIP(ip) === 6) return ipv6Prefix64(ip) ?? ip.toLowerCase();
  return `h:${createHash('sha256').update(ip).digest('hex').slice(0, 16)}`;
}

/** `2001:db8:1:2:…` → `2001:db8:1:2::/64`; undefined when the first 64 bits are not plain groups. */
function ipv6Prefix64(ip: string): string | undefined {
  const address = ip.split('%', 1)[0] ?? ip; // drop a zone id (fe80::1%eth0)
  const [head = '', tail] = address.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const zeros = tail === undefined ? [] : Array<string>(8 - width(headGroups) - width(tailGroups)).fill('0');
  const first = [...headGroups, ...zeros, ...tailGroups].slice(0, 4);
  if (first.length < 4 || first.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return `${first.map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}
