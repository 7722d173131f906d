import { randomBytes } from 'node:crypto';

/**
 * Just enough of WebSocket framing for a relay that otherwise copies bytes: where one frame ends
 * and the next begins, so the BFF can put a close frame of its own between two frames (a control
 * frame may sit between the fragments of a message, so a frame boundary is always a safe place).
 * Payloads are skipped, never parsed or unmasked.
 * @see https://www.rfc-editor.org/rfc/rfc6455#section-5.2
 */
export class FrameBoundaries {
  readonly #header = Buffer.alloc(14);
  #have = 0;
  #need = 2;
  #remaining = 0;

  /** True between two frames (nothing of a frame pending). */
  get atBoundary(): boolean {
    return this.#have === 0 && this.#remaining === 0;
  }

  /**
   * Moves over `chunk`, as relayed. With `stopAtBoundary`, stops at the first frame boundary and
   * returns its offset in the chunk (0 when already at one); otherwise (or when no frame ends in
   * the chunk) consumes all of it and returns -1.
   */
  advance(chunk: Buffer, stopAtBoundary = false): number {
    if (stopAtBoundary && this.atBoundary) return 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, chunk.length - i);
        this.#remaining -= n;
        i += n;
        if (this.#remaining === 0 && stopAtBoundary) return i;
        continue;
      }
      this.#header[this.#have++] = chunk[i++]!;
      if (this.#have === 2) {
        const len7 = this.#header[1]! & 0x7f;
        this.#need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (this.#header[1]! & 0x80 ? 4 : 0);
      }
      if (this.#have >= 2 && this.#have === this.#need) {
        this.#remaining = this.#payloadLength();
        this.#have = 0;
        this.#need = 2;
        if (this.#remaining === 0 && stopAtBoundary) return i;
      }
    }
    return -1;
  }

  #payloadLength(): number {
    const len7 = this.#header[1]! & 0x7f;
    if (len7 === 126) return this.#header.readUInt16BE(2);
    // 64-bit lengths: JavaScript numbers are exact up to 2^53, far beyond any real frame
    if (len7 === 127) return this.#header.readUInt32BE(2) * 2 ** 32 + this.#header.readUInt32BE(6);
    return len7;
  }
}

/**
 * A close frame with `code` and a short reason: unmasked toward a client (server frames), masked
 * toward an upstream (the BFF is its client).
 * @see https://www.rfc-editor.org/rfc/rfc6455#section-5.5.1
 */
export function closeFrame(code: number, reason: string, masked: boolean): Buffer {
  const text = Buffer.from(reason.slice(0, 100), 'utf8').subarray(0, 123);
  const payload = Buffer.alloc(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  const head = Buffer.from([0x88, (masked ? 0x80 : 0) | payload.length]);
  if (!masked) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
  return Buffer.concat([head, key, payload]);
}
