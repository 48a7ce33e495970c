import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../shared/errors.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { parseLikePattern, toGlob, toLikeWithBackslashEscape } from './like-pattern.js';

describe('page tokens', () => {
  it('round-trips offsets and reads absent/empty as 0', () => {
    for (const n of [0, 1, 1000, 99_999]) expect(decodePageToken(encodePageToken(n))).toBe(n);
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken('')).toBe(0);
  });
  it('reads MLflow\'s own tokens (base64 of {"offset": N})', () => {
    expect(encodePageToken(1000)).toBe('eyJvZmZzZXQiOiAxMDAwfQ==');
    expect(decodePageToken(Buffer.from('{"offset": "20"}').toString('base64'))).toBe(20);
  });
  it('rejects forged, garbled and negative tokens', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    for (const bad of [
      'not base64!',
      '%%%',
      b64('hello'),
      b64('{"offset": -5}'),
      b64('{"offset": 1.5}'),
      b64('[1]'),
      b64('{}'),
      b64('{"offset": "x"}'),
      b64('null'),
    ]) {
      expect(() => decodePageToken(bad), bad).toThrow(InvalidParameterError);
    }
    expect(() => encodePageToken(-1)).toThrow(InvalidParameterError);
  });
});

describe('LIKE patterns', () => {
  it('renders the same meaning for LIKE ... ESCAPE and GLOB', () => {
    const parts = parseLikePattern('a%b_c\\%d\\_e\\\\f*g?h[i\\x');
    expect(toLikeWithBackslashEscape(parts)).toBe('a%b_c\\%d\\_e\\\\f*g?h[i\\\\x');
    expect(toGlob(parts)).toBe('a*b?c%d_e\\f[*]g[?]h[[]i\\x');
  });
  it('collapses runs of % into one', () => {
    expect(toGlob(parseLikePattern('%%a%%%'))).toBe('*a*');
  });
});
