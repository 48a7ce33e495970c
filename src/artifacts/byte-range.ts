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

function unsatisfiable(range: ByteRange, total: number): InvalidParameterError {
  const shown = 'suffix' in range ? `-${range.suffix}` : `${range.start}-${range.end ?? ''}`;
  return new InvalidParameterError(`Byte range ${shown} is not satisfiable: the file has ${total} bytes`);
}
