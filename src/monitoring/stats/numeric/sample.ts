import { InvalidParameterError } from '../../../shared/index.js';
import { sortFloat64InPlace } from './radix-sort.js';

/** A numeric sample as callers hand it in: a plain array or a typed array. */
export type Sample = ArrayLike<number>;

/**
 * A sample already sorted ascending, checked for NaN once. Build it with {@link sortSample} and pass it to any
 * two-sample statistic instead of the raw values: a stored reference is then sorted once for many checks
 * (monitoring compares one reference with many windows).
 *
 * @example
 * const ref = sortSample(referenceValues, 'reference');
 * for (const window of windows) ks2Samp(ref, window);
 */
export interface SortedSample {
  readonly kind: 'sorted-sample';
  /** Ascending, no NaN; ±Infinity allowed (rank statistics accept them, distances refuse them). */
  readonly values: Float64Array;
}

/** Either raw values or a {@link SortedSample}. */
export type SampleInput = Sample | SortedSample;

function isSorted(input: SampleInput): input is SortedSample {
  return (input as Partial<SortedSample>).kind === 'sorted-sample';
}

/**
 * Copies, checks and sorts a sample (O(n log n), typed-array sort). NaN is refused with an
 * {@link InvalidParameterError} naming the sample and the index: a drift check on data with holes must say so,
 * not quietly return NaN. Drop missing values before calling (their count is a data-quality metric of its own).
 */
export function sortSample(values: SampleInput, name = 'sample'): SortedSample {
  if (isSorted(values)) return values;
  const n = values.length;
  let copy: Float64Array;
  if (values instanceof Float64Array) {
    copy = values.slice();
    for (let i = 0; i < n; i++) {
      if (copy[i] !== copy[i]) throw new InvalidParameterError(`${name} holds NaN at index ${i}`);
    }
  } else {
    copy = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number' || Number.isNaN(v)) {
        throw new InvalidParameterError(
          `${name} holds a value that is not a number at index ${i}: ${String(v)}`,
        );
      }
      copy[i] = v;
    }
  }
  sortFloat64InPlace(copy);
  return { kind: 'sorted-sample', values: copy };
}

/**
 * Like {@link sortSample}, but sorts `values` in place instead of a copy: for an array the caller owns and will
 * not read again in its original order (a column's non-missing values, gathered for the test). NaN is refused.
 */
export function sortOwnedSample(values: Float64Array, name = 'sample'): SortedSample {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== values[i]) throw new InvalidParameterError(`${name} holds NaN at index ${i}`);
  }
  return { kind: 'sorted-sample', values: sortFloat64InPlace(values) };
}

/** Refuses an empty (or too small) sample with a clear error. */
export function requireSize(
  sample: SortedSample | Float64Array,
  min: number,
  name: string,
  what: string,
): void {
  const n = sample instanceof Float64Array ? sample.length : sample.values.length;
  if (n < min) {
    throw new InvalidParameterError(
      `${what} needs at least ${min} value${min === 1 ? '' : 's'} in ${name}, got ${n}`,
    );
  }
}

/** Refuses ±Infinity in a sorted sample (checked at both ends, O(1)); distances are undefined there. */
export function requireFinite(sample: SortedSample, name: string, what: string): void {
  const v = sample.values;
  if (v.length > 0 && (!Number.isFinite(v[0]!) || !Number.isFinite(v[v.length - 1]!))) {
    throw new InvalidParameterError(`${what} is undefined for infinite values; ${name} holds one`);
  }
}

/** Checks that every value of a plain numeric vector is finite (for counts, probabilities, weights). */
export function requireFiniteVector(values: ArrayLike<number>, name: string, what: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidParameterError(`${what}: ${name}[${i}] is not a finite number (${String(v)})`);
    }
  }
}

/**
 * Index of the first element of the ascending array `a` that is greater than `x` (numpy `searchsorted(a, x,
 * side='right')`), searching `[lo, a.length)`.
 */
export function upperBound(a: Float64Array, x: number, lo = 0): number {
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first element of the ascending array `a` that is not less than `x` (`side='left'`). */
export function lowerBound(a: Float64Array, x: number, lo = 0): number {
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
