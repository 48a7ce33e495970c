/**
 * Sorting Float64Arrays fast: an LSD radix sort on the IEEE-754 bit patterns.
 *
 * The values are moved as float64 (one 8-byte load and store per value and pass), ordered by their raw bits seen
 * as an unsigned integer. Only the high 32-bit word (sign, exponent, top 20 mantissa bits) is radix sorted, in
 * three passes of 11 bits; values that share their high word (rare for continuous data: neighbours within about
 * one part in a million) are then put in order by a fix-up pass over runs of equal high words (insertion sort for
 * short runs, the built-in sort for long ones; a run of identical values is left alone). In raw-bit order the
 * negative numbers come last and in descending order, so a final step moves them first, reversed. Passes whose
 * digit is the same for every value are skipped. Below {@link RADIX_MIN_LENGTH} values the built-in typed-array
 * sort is used.
 *
 * The order is the built-in sort's, bit for bit: ascending, −0 before +0, ±Infinity at the ends. NaN must have
 * been refused before (callers check; a NaN would be placed by its bit pattern).
 */

/** Shorter arrays are sorted with `Float64Array.prototype.sort`. */
export const RADIX_MIN_LENGTH = 4096;

const BITS = 11;
const RADIX = 1 << BITS;
const MASK = RADIX - 1;
/** Passes over the high word: bits 0-10, 11-21 and 22-31 (the last digit has 10 bits). */
const PASSES = 3;
/** Runs of equal high words up to this length are insertion-sorted; longer ones use the built-in sort. */
const INSERTION_RUN = 48;
/** The word order assumed below (low word first); elsewhere the built-in sort is used. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Sorts `values` in place, ascending, and returns it. `scratch`, when given and at least as long as `values`, is
 * used as the working buffer instead of a new one (a caller sorting many columns reuses one buffer); its
 * contents afterwards are unspecified.
 */
export function sortFloat64InPlace(values: Float64Array, scratch?: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN_LENGTH || !LITTLE_ENDIAN) return values.sort();
  const histogram = new Uint32Array(PASSES * RADIX);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let negatives = 0;
  for (let i = 1; i < 2 * n; i += 2) {
    const hi = bits[i]!;
    histogram[hi & MASK]!++;
    histogram[RADIX + ((hi >>> 11) & MASK)]!++;
    histogram[2 * RADIX + (hi >>> 22)]!++;
    negatives += hi >>> 31;
  }
  return sortCounted(values, histogram, negatives, scratch);
}

/**
 * The finite values of `values` (NaN and ±Infinity dropped), in a new array sorted ascending as
 * {@link sortFloat64InPlace} sorts: the copy and the radix sort's counting pass are one pass over `values`. The
 * result may be a view on a buffer of `values.length` (the dropped values' room is not given back).
 */
export function sortedFiniteCopy(values: Float64Array, scratch?: Float64Array): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n < RADIX_MIN_LENGTH || !LITTLE_ENDIAN) {
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v - v === 0) out[k++] = v;
    }
    return out.subarray(0, k).sort();
  }
  const histogram = new Uint32Array(PASSES * RADIX);
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let negatives = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    // v − v is 0 for a finite number, NaN for NaN and ±Infinity.
    if (v - v !== 0) continue;
    out[k++] = v;
    const hi = bits[2 * i + 1]!;
    histogram[hi & MASK]!++;
    histogram[RADIX + ((hi >>> 11) & MASK)]!++;
    histogram[2 * RADIX + (hi >>> 22)]!++;
    negatives += hi >>> 31;
  }
  const kept = k === n ? out : out.subarray(0, k);
  if (k < RADIX_MIN_LENGTH) return kept.sort();
  return sortCounted(kept, histogram, negatives, scratch);
}

/** The radix passes, the run fix-up and the move of the negative values, once the digits are counted. */
function sortCounted(
  values: Float64Array,
  histogram: Uint32Array,
  negatives: number,
  scratch: Float64Array | undefined,
): Float64Array {
  const n = values.length;
  let src = values;
  let dst = scratch !== undefined && scratch.length >= n ? scratch.subarray(0, n) : new Float64Array(n);
  for (let pass = 0; pass < PASSES; pass++) {
    const offset = pass * RADIX;
    let constant = false;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const count = histogram[offset + d]!;
      if (count === n) constant = true;
      histogram[offset + d] = sum;
      sum += count;
    }
    if (constant) continue;
    scatter(pass, src, dst, histogram, offset);
    const swap = src;
    src = dst;
    dst = swap;
  }
  sortRunsByLowWord(src);
  if (negatives === 0) {
    if (src !== values) values.set(src);
    return values;
  }
  // Raw-bit order: the n − k non-negative values ascending, then the k negative ones by ascending magnitude.
  if (src === values) {
    dst.set(values);
    src = dst;
  }
  const nonNegative = n - negatives;
  for (let k = 0; k < negatives; k++) values[k] = src[n - 1 - k]!;
  values.set(src.subarray(0, nonNegative), negatives);
  return values;
}

/** One stable counting-sort pass on an 11-bit digit of the high word, `src` into `dst`. */
function scatter(
  pass: number,
  src: Float64Array,
  dst: Float64Array,
  histogram: Uint32Array,
  offset: number,
): void {
  const n = src.length;
  const bits = new Uint32Array(src.buffer, src.byteOffset, n * 2);
  // One loop per digit, so the hot loop has no branch on the pass.
  switch (pass) {
    case 0:
      for (let i = 0; i < n; i++) dst[histogram[offset + (bits[2 * i + 1]! & MASK)]!++] = src[i]!;
      return;
    case 1:
      for (let i = 0; i < n; i++) dst[histogram[offset + ((bits[2 * i + 1]! >>> 11) & MASK)]!++] = src[i]!;
      return;
    default:
      for (let i = 0; i < n; i++) dst[histogram[offset + (bits[2 * i + 1]! >>> 22)]!++] = src[i]!;
  }
}

/**
 * Puts every run of values sharing their high word in ascending order of the low word (unsigned), which
 * completes the raw-bit order. A run's values all have one sign, so for non-negative values that is ascending
 * value order and for negative ones descending (both are what raw-bit order means).
 */
function sortRunsByLowWord(values: Float64Array): void {
  const n = values.length;
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let start = 0;
  while (start < n) {
    const hi = bits[2 * start + 1]!;
    let end = start + 1;
    let sorted = true;
    let previousLow = bits[2 * start]!;
    while (end < n && bits[2 * end + 1] === hi) {
      const low = bits[2 * end]!;
      if (low < previousLow) sorted = false;
      previousLow = low;
      end++;
    }
    if (!sorted) {
      if (end - start <= INSERTION_RUN) insertionSortByLow(values, bits, start, end);
      else {
        const run = values.subarray(start, end);
        run.sort();
        if (hi >>> 31) run.reverse();
      }
    }
    start = end;
  }
}

function insertionSortByLow(values: Float64Array, bits: Uint32Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const value = values[i]!;
    const low = bits[2 * i]!;
    let j = i - 1;
    while (j >= start && bits[2 * j]! > low) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = value;
  }
}
