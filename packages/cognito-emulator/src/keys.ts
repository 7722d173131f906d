// Key material: one RSA signing key per process (kept across spawnEmulator restarts by passing
// it down), plus cookie-signing keys.
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

let processKey: Promise<JWK> | undefined;

/** Creates an RS256 private JWK with a thumbprint `kid`, like the keys of a Cognito pool. */
export async function createSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

/** The signing key of this process, generated on first use. */
export function processSigningKey(): Promise<JWK> {
  processKey ??= createSigningKey();
  return processKey;
}

/** Random keys that sign the emulator's own login-session cookies. */
export function createCookieKeys(): string[] {
  return [randomBytes(32).toString('base64url')];
}
