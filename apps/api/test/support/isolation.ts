import { randomBytes } from 'node:crypto';

/** Every prefix {@link testPrefix} handed out in this test file; key-cleanup.ts deletes their keys. */
const handedOut = new Set<string>();

/** A random key prefix, so test files and parallel runs never collide in one Redis. */
export function testPrefix(): string {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  handedOut.add(prefix);
  return prefix;
}

/** The prefixes this test file used so far. */
export function prefixesInUse(): string[] {
  return [...handedOut];
}

/** A session secret for tests. */
export function testSecret(): string {
  return randomBytes(32).toString('base64url');
}
