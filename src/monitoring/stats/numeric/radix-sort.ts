/**
 * Sorting Float64Arrays fast: an LSD radix sort on the IEEE-754 bit patterns (six passes of 11 bits over keys
 * made order-preserving as unsigned integers: flip every bit of a negative number, the sign bit of a positive
 * one). O(n) with two n-sized scratch buffers; passes whose digit is the same for every value are skipped.
 * Below {@link RADIX_MIN_LENGTH} values the built-in typed-array sort is used.
 *
 * The order is the built-in sort's: ascending, −0 before +0, ±Infinity at the ends. NaN must have been refused
 * before (callers check; a NaN would be placed by its bit pattern).
 */

/** Shorter arrays are sorted with `Float64Array.prototype.sort`. */
export const RADIX_MIN_LENGTH = 4096;

const BITS = 11;
const RADIX = 1 << BITS;
const MASK = RADIX - 1;
const PASSES = 6;
/** The word order assumed below (low word first); elsewhere the built-in sort is used. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Sorts `values` in place, ascending, and returns it. */
export function sortFloat64InPlace(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < RADIX_MIN_LENGTH || !LITTLE_ENDIAN) return values.sort();
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let keys = new Uint32Array(n * 2);
  let scratch = new Uint32Array(n * 2);
  const histogram = new Uint32Array(PASSES * RADIX);
  for (let i = 0; i < n; i++) {
    let lo = bits[2 * i]!;
    let hi = bits[2 * i + 1]!;
    if (hi & 0x80000000) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
    } else {
      hi = (hi | 0x80000000) >>> 0;
    }
    keys[2 * i] = lo;
    keys[2 * i + 1] = hi;
    histogram[lo & MASK]!++;
    histogram[RADIX + ((lo >>> 11) & MASK)]!++;
    histogram[2 * RADIX + (((lo >>> 22) | (hi << 10)) & MASK)]!++;
    histogram[3 * RADIX + ((hi >>> 1) & MASK)]!++;
    histogram[4 * RADIX + ((hi >>> 12) & MASK)]!++;
    histogram[5 * RADIX + (hi >>> 23)]!++;
  }
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
    for (let i = 0; i < n; i++) {
      const lo = keys[2 * i]!;
      const hi = keys[2 * i + 1]!;
      const digit = digitOf(pass, lo, hi);
      const at = 2 * histogram[offset + digit]!++;
      scratch[at] = lo;
      scratch[at + 1] = hi;
    }
    const swap = keys;
    keys = scratch;
    scratch = swap;
  }
  for (let i = 0; i < n; i++) {
    const lo = keys[2 * i]!;
    const hi = keys[2 * i + 1]!;
    if (hi & 0x80000000) {
      bits[2 * i] = lo;
      bits[2 * i + 1] = hi & 0x7fffffff;
    } else {
      bits[2 * i] = ~lo >>> 0;
      bits[2 * i + 1] = ~hi >>> 0;
    }
  }
  return values;
}

function digitOf(pass: number, lo: number, hi: number): number {
  switch (pass) {
    case 0:
      return lo & MASK;
    case 1:
      return (lo >>> 11) & MASK;
    case 2:
      return ((lo >>> 22) | (hi << 10)) & MASK;
    case 3:
      return (hi >>> 1) & MASK;
    case 4:
      return (hi >>> 12) & MASK;
    default:
      return hi >>> 23;
  }
}
