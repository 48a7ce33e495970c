import { describe, expect, it } from 'vitest';
import { RADIX_MIN_LENGTH, sortedFiniteCopy, sortFloat64InPlace } from './radix-sort.js';
import { seededUniform } from '../../../shared/test-support/seeded-random.js';

/** The built-in order, bit for bit (−0 before +0 shows only in the bits). */
function expectSameAsBuiltIn(values: Float64Array, scratch?: Float64Array): void {
  const expected = values.slice().sort();
  const sorted = sortFloat64InPlace(values, scratch);
  expect(sorted).toBe(values);
  const bits = (a: Float64Array) => new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  expect(bits(sorted)).toEqual(bits(expected));
}

describe('sortFloat64InPlace (LSD radix sort on the float64 bits)', () => {
  const n = 3 * RADIX_MIN_LENGTH + 17;

  it('sorts mixed-sign values with ties, ±0, ±Infinity, subnormals and extremes as the built-in sort does', () => {
    const u = seededUniform(7);
    const special = [0, -0, Infinity, -Infinity, 5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 1, -1];
    const values = Float64Array.from({ length: n }, (_, i) =>
      i % 11 === 0 ? special[i % special.length]! : (u() - 0.5) * 10 ** Math.floor(u() * 40 - 20),
    );
    expectSameAsBuiltIn(values);
  });

  it('sorts all-negative values, integers with many ties, and a constant array (every pass skipped)', () => {
    const u = seededUniform(8);
    expectSameAsBuiltIn(Float64Array.from({ length: n }, () => -u() * 1e6));
    expectSameAsBuiltIn(Float64Array.from({ length: n }, () => Math.floor(u() * 5) - 2));
    expectSameAsBuiltIn(new Float64Array(n).fill(2.5));
  });

  it('sorts a subarray view in place without touching the rest of its buffer', () => {
    const u = seededUniform(9);
    const buffer = Float64Array.from({ length: n + 2 }, () => u() - 0.5);
    const [first, last] = [buffer[0], buffer[n + 1]];
    const view = buffer.subarray(1, n + 1);
    expectSameAsBuiltIn(view);
    expect([buffer[0], buffer[n + 1]]).toEqual([first, last]);
  });

  it('orders values that share their high 32 bits by the low word (short and long runs, both signs)', () => {
    const u = seededUniform(10);
    const ulp = 2 ** -52;
    // Runs of 2 to 40 values (insertion sort) and of thousands (built-in sort) within one high word.
    const values = Float64Array.from({ length: n }, (_, i) => {
      const sign = i % 3 === 0 ? -1 : 1;
      if (i % 2 === 0) return sign * (1 + Math.floor(u() * 1_000_000) * ulp);
      return sign * (1 + Math.floor(u() * 200) * 2 ** -20 + Math.floor(u() * 1000) * ulp);
    });
    expectSameAsBuiltIn(values);
    expectSameAsBuiltIn(Float64Array.from({ length: n }, () => -(3 + Math.floor(u() * 100) * ulp)));
  });

  it('uses a caller-supplied scratch buffer and gives the same order', () => {
    const u = seededUniform(11);
    const scratch = new Float64Array(n + 5);
    for (let round = 0; round < 3; round++) {
      expectSameAsBuiltIn(
        Float64Array.from({ length: n - round }, () => (u() - 0.3) * 1e3),
        scratch,
      );
    }
    // A scratch buffer too short is ignored (a new one is made).
    expectSameAsBuiltIn(
      Float64Array.from({ length: n }, () => u() - 0.5),
      new Float64Array(10),
    );
  });

  it('sortedFiniteCopy: the finite values sorted, the input untouched, long and short, with holes or none', () => {
    const u = seededUniform(12);
    const bits = (a: Float64Array) => Array.from(new Uint32Array(a.slice().buffer));
    for (const length of [n, RADIX_MIN_LENGTH + 3, 100]) {
      for (const holes of [0, 0.01, 0.999]) {
        const values = Float64Array.from({ length }, (_, i) =>
          u() < holes ? [NaN, Infinity, -Infinity][i % 3]! : (u() - 0.4) * 100,
        );
        const before = bits(values);
        const expected = values.filter((v) => Number.isFinite(v)).sort();
        expect(bits(sortedFiniteCopy(values, new Float64Array(length)))).toEqual(bits(expected));
        expect(bits(sortedFiniteCopy(values))).toEqual(bits(expected));
        expect(bits(values)).toEqual(before);
      }
    }
  });

  it('leaves short arrays to the built-in sort', () => {
    expectSameAsBuiltIn(Float64Array.from([3, -0, 0, -1, Infinity, 2]));
  });
});
