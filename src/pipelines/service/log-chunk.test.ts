import { describe, expect, it } from 'vitest';
import { completeUtf8Length, logChunk, logReadStart } from './log-chunk.js';

describe('log chunks', () => {
  it('starts at the offset, or at 0 with none or past the end (a stream that started over)', () => {
    expect(logReadStart(undefined, 10)).toBe(0);
    expect(logReadStart(6, 10)).toBe(6);
    expect(logReadStart(10, 10)).toBe(10);
    expect(logReadStart(11, 10)).toBe(0);
  });

  it('ends a running stream before a character whose last bytes are not written yet', () => {
    const text = 'a é 日 🚀';
    const bytes = Buffer.from(text, 'utf8');
    // Every prefix ends on a whole character or is cut back to the last one.
    const whole = new Set([
      0,
      ...[...text].map((_, i) => Buffer.byteLength([...text].slice(0, i + 1).join(''))),
    ]);
    for (let n = 0; n <= bytes.length; n++) {
      const kept = completeUtf8Length(bytes.subarray(0, n));
      expect(whole.has(kept)).toBe(true);
      expect(kept).toBeLessThanOrEqual(n);
      expect(n - kept).toBeLessThan(4);
    }
    // 'caf' then the first byte of 'é' (0xC3).
    const partial = Buffer.from([0x63, 0x61, 0x66, 0xc3]);
    expect(logChunk(partial, 0, true)).toEqual({ text: 'caf', offset: 0, next: 3 });
    expect(logChunk(Buffer.from('é'), 3, true)).toEqual({ text: 'é', offset: 3, next: 5 });
    // Once the step has ended, the bytes are final: a broken character is decoded as U+FFFD.
    expect(logChunk(partial, 0, false)).toEqual({ text: 'caf\uFFFD', offset: 0, next: 4 });
    // Bytes that are no UTF-8 at all (a lone continuation byte) are not held back.
    expect(completeUtf8Length(Buffer.from([0x61, 0x80]))).toBe(2);
  });
});
