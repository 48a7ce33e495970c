import { InvalidParameterError } from '../shared/index.js';
import type { ByteRange } from './artifact-store.js';

/**
 * The first and last byte (inclusive) a range selects in a file of `total` bytes, with HTTP's rules: `end` past
 * the last byte is clamped, a suffix longer than the file is the whole file. `InvalidParameterError` for a
 * malformed range (negative, fractional, end before start, empty suffix) or one that selects nothing (starts at
 * or past the end, any range of an empty file).
 *
 * Example: `resolveByteRange({ start: 10 }, 100)` → `{ start: 10, end: 99 }`;
 *          `resolveByteRange({ suffix: 5 }, 100)` → `{ start: 95, end: 99 }`.
 */
export function resolveByteRange(range: ByteRange, total: number): { start: number; end: number } {
  checkByteRange(range);
  if ('suffix' in range) {
    if (total === 0) throw unsatisfiable(range, total);
    return { start: Math.max(0, total - range.suffix), end: total - 1 };
  }
  if (range.start >= total) throw unsatisfiable(range, total);
  return { start: range.start, end: Math.min(range.end ?? total - 1, total - 1) };
}

/** Checks a range's shape without the file's size (what can be refused before asking the storage). */
export function checkByteRange(range: ByteRange): void {
  const whole = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if ('suffix' in range) {
    if (!whole(range.suffix) || range.suffix === 0)
      throw new InvalidParameterError(`Invalid byte range: suffix length must be a positive integer`);
    return;
  }
  if (!whole(range.start))
    throw new InvalidParameterError('Invalid byte range: start must be a whole number');
  if (range.end !== undefined && (!whole(range.end) || range.end < range.start))
    throw new InvalidParameterError('Invalid byte range: end must be a whole number not before start');
}

/**
 * A well-formed range that selects no byte of the file (it starts at or past the end, or the file is empty).
 * `total` is the file's size, which HTTP's 416 answer names (`Content-Range: bytes *\/total`).
 */
export class RangeNotSatisfiableError extends InvalidParameterError {
  constructor(
    message: string,
    readonly total: number,
  ) {
    super(message);
  }
}

function unsatisfiable(range: ByteRange, total: number): RangeNotSatisfiableError {
  const shown = 'suffix' in range ? `-${range.suffix}` : `${range.start}-${range.end ?? ''}`;
  return new RangeNotSatisfiableError(
    `Byte range ${shown} is not satisfiable: the file has ${total} bytes`,
    total,
  );
}

/**
 * The one byte range an HTTP `Range` header asks for (RFC 9110, section 14.2), or `undefined` when the header
 * is to be ignored and the whole file served: absent, another unit than `bytes`, syntactically invalid (which
 * the RFC says to ignore), or several ranges (a server may answer those with the whole file). Whether the range
 * fits the file is decided later, with its size (`resolveByteRange`).
 *
 * Example: `parseRangeHeader('bytes=0-99')` → `{ start: 0, end: 99 }`; `parseRangeHeader('bytes=-5')` →
 *          `{ suffix: 5 }`; `parseRangeHeader('bytes=0-1,5-6')` → `undefined`.
 */
export function parseRangeHeader(header: string | readonly string[] | undefined): ByteRange | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (match === null) return undefined;
  const [, first = '', last = ''] = match;
  const number = (digits: string): number | undefined => {
    const n = Number(digits);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  if (first === '') {
    const suffix = last === '' ? undefined : number(last);
    return suffix === undefined || suffix === 0 ? undefined : { suffix };
  }
  const start = number(first);
  if (start === undefined) return undefined;
  if (last === '') return { start };
  // An end past any safe integer still means "to the end of the file".
  const end = number(last) ?? Number.MAX_SAFE_INTEGER;
  return end < start ? undefined : { start, end };
}
