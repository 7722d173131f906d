import { describe, expect, it } from 'vitest';
import { closeFrame, FrameBoundaries } from './frames.js';

const frame = (payloadLength: number, masked = false) => {
  const len = payloadLength < 126 ? [payloadLength] : payloadLength < 65536 ? [126, payloadLength >> 8, payloadLength & 0xff] : [127, 0, 0, 0, 0, (payloadLength >>> 24) & 0xff, (payloadLength >> 16) & 0xff, (payloadLength >> 8) & 0xff, payloadLength & 0xff];
  return Buffer.concat([Buffer.from([0x82, (masked ? 0x80 : 0) | len[0]!, ...len.slice(1)]), masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0), Buffer.alloc(payloadLength, 7)]);
};

describe('FrameBoundaries', () => {
  it('finds the end of each frame, whatever the length encoding, masking and chunking', () => {
    const stream = Buffer.concat([frame(5), frame(300, true), frame(70_000), frame(0, true)]);
    const ends = [7, 7 + 308, 7 + 308 + 70_010, stream.length];
    for (const size of [1, 3, 64, 1000, stream.length]) {
      const boundaries = new FrameBoundaries();
      const found: number[] = [];
      for (let start = 0; start < stream.length; start += size) {
        let chunk = stream.subarray(start, start + size);
        let offset = start;
        while (chunk.length > 0) {
          if (boundaries.atBoundary) {
            // a new frame starts here: step into it, so the next stop is its end
            boundaries.advance(chunk.subarray(0, 1));
            offset += 1;
            chunk = chunk.subarray(1);
            if (boundaries.atBoundary) found.push(offset);
            continue;
          }
          const at = boundaries.advance(chunk, true);
          if (at === -1) break;
          found.push(offset + at);
          offset += at;
          chunk = chunk.subarray(at);
        }
      }
      expect(found).toEqual(ends);
      expect(boundaries.atBoundary).toBe(true);
    }
  });

  it('is not at a boundary in the middle of a header or a payload', () => {
    const b = new FrameBoundaries();
    b.advance(frame(300).subarray(0, 3));
    expect(b.atBoundary).toBe(false);
    b.advance(frame(300).subarray(3, 100));
    expect(b.atBoundary).toBe(false);
    expect(b.advance(frame(300).subarray(100), true)).toBe(204);
    expect(b.atBoundary).toBe(true);
  });
});

describe('closeFrame', () => {
  it('writes the code and reason, masked toward an upstream', () => {
    const plain = closeFrame(4401, 'session ended', false);
    expect(plain[0]).toBe(0x88);
    expect(plain.readUInt16BE(2)).toBe(4401);
    expect(plain.subarray(4).toString()).toBe('session ended');
    const masked = closeFrame(1001, 'bye', true);
    expect(masked[1]! & 0x80).toBe(0x80);
    const key = masked.subarray(2, 6);
    const payload = Buffer.from(masked.subarray(6).map((byte, i) => byte ^ key[i % 4]!));
    expect(payload.readUInt16BE(0)).toBe(1001);
    expect(payload.subarray(2).toString()).toBe('bye');
  });
});
