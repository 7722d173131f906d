import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
/** `v1.` and the base64url of the IV and the GCM tag (28 bytes: 38 characters): see {@link sealTag}. */
export const SEAL_TAG_CHARS = VERSION.length + 1 + Math.ceil(((IV_BYTES + TAG_BYTES) * 4) / 3);

/**
 * The first characters of a sealed record: the format version, the random IV and the GCM
 * authentication tag. Every seal has a fresh IV, and under one key, IV and session id a different
 * ciphertext cannot carry the same tag, so two seals with the same tag are the same record; the
 * token store keeps it next to the record (field `t`) so the hot path can ask Redis whether the
 * record changed without reading it (docs/adr/0001, addendum of issue 11).
 */
export function sealTag(sealed: string): string {
  return sealed.slice(0, SEAL_TAG_CHARS);
}

/** What {@link TokenCipher.openWithKey} found: the plaintext, and whether the current key sealed it. */
export interface Opened {
  plaintext: string;
  /** False when a previous secret's key opened it: re-seal it with the current one. */
  current: boolean;
}

/**
 * AES-256-GCM sealing of token records. The key is derived from SESSION_SECRET with HKDF so the
 * cookie-signing secret is never used directly as a cipher key, and the session id is bound in as
 * additional data: a record copied under another session id does not open. A key ring: the first
 * secret seals, every secret opens (`PREVIOUS_SESSION_SECRETS`, so a rotation signs no one out);
 * the sealed format carries no key id, the keys are tried in order (a wrong key fails at the tag).
 * @see https://www.rfc-editor.org/rfc/rfc5869
 */
export class TokenCipher {
  readonly #keys: readonly Buffer[];

  constructor(secrets: string | readonly string[]) {
    const ring = typeof secrets === 'string' ? [secrets] : secrets;
    if (ring.length === 0) throw new Error('TokenCipher needs at least one secret');
    this.#keys = ring.map((secret) => Buffer.from(hkdfSync('sha256', secret, 'cognito-bff', 'token-record-encryption/v1', 32)));
  }

  /** Encrypts `plaintext` for session `sid` with the current key; returns `v1.<base64url(iv|tag|ciphertext)>`. */
  seal(plaintext: string, sid: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0]!, iv);
    cipher.setAAD(Buffer.from(sid));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url')}`;
  }

  /** Decrypts what {@link seal} produced for the same `sid`; throws when it was tampered with. */
  open(sealed: string, sid: string): string {
    return this.openWithKey(sealed, sid).plaintext;
  }

  /** Like {@link open}, and says whether the current key or a previous one opened it. */
  openWithKey(sealed: string, sid: string): Opened {
    const [version, payload] = sealed.split('.', 2);
    if (version !== VERSION || !payload) throw new Error('unknown token record format');
    const raw = Buffer.from(payload, 'base64url');
    let failure: unknown;
    for (const [i, key] of this.#keys.entries()) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(sid));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        const plaintext = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
        return { plaintext, current: i === 0 };
      } catch (err) {
        failure = err;
      }
    }
    throw failure;
  }
}
