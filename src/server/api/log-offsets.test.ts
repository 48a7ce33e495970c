import { describe, expect, it } from 'vitest';
import { logSlice } from './log-offsets.js';

describe('logSlice', () => {
  it('answers a stream whole, from an offset, and whole again from 0 past its end', () => {
    expect(logSlice('hello api\n', undefined, false)).toEqual({ text: 'hello api\n', offset: 0, next: 10 });
    expect(logSlice('hello api\n', 6, false)).toEqual({ text: 'api\n', offset: 6, next: 10 });
    expect(logSlice('hello api\n', 10, true)).toEqual({ text: '', offset: 10, next: 10 });
    expect(logSlice('new\n', 10, true)).toEqual({ text: 'new\n', offset: 0, next: 4 });
  });

  it("leaves a running stream's trailing partial character for the next read", () => {
    // 'caf' then the first byte of 'é' (0xC3), decoded as U+FFFD while the process has not written the rest.
    const partial = Buffer.from([0x63, 0x61, 0x66, 0xc3]).toString('utf8');
    expect(logSlice(partial, 0, true)).toEqual({ text: 'caf', offset: 0, next: 3 });
    expect(logSlice('café', 3, true)).toEqual({ text: 'é', offset: 3, next: 4 });
    // Once the step has ended, the text is final: a replacement character there is kept.
    expect(logSlice(partial, 0, false)).toEqual({ text: 'caf\uFFFD', offset: 0, next: 4 });
  });
});
