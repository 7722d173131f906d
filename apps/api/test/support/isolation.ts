import { randomBytes } from 'node:crypto';

/** A random key prefix, so test files and parallel runs never collide in one Redis. */
export function testPrefix(): string {
  return `test:${randomBytes(6).toString('hex')}:`;
}

/** A session secret for tests. */
export function testSecret(): string {
  return randomBytes(32).toString('base64url');
}
