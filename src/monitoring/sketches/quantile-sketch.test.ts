import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/index.js';
import { QuantileSketch } from './quantile-sketch.js';

const settings = { numRuns: 200, seed: 20261207 };
const QS = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

/** Finite values over many orders of magnitude and both signs, zeros and ties included. */
const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.double({ min: -1e-3, max: 1e-3, noNaN: true }),
  fc.integer({ min: -5, max: 5 }),
  fc.constant(0),
);
const values = fc.array(value, { minLength: 1, maxLength: 400 });

function sketchOf(xs: readonly number[], alpha = 0.01): QuantileSketch {
  const s = new QuantileSketch(alpha);
  for (const x of xs) s.add(x);
  return s;
}

/** The sketch's stated bound: within α·|x| of the element of rank ⌊q(n−1)⌋ (rounding allowed for). */
function expectWithinBound(s: QuantileSketch, xs: readonly number[]): void {
  const sorted = [...xs].sort((a, b) => a - b);
  for (const q of QS) {
    const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
    const got = s.quantile(q)!;
    expect(Math.abs(got - exact), `q=${q} exact=${exact} got=${got}`).toBeLessThanOrEqual(
      s.relativeAccuracy * Math.abs(exact) * (1 + 1e-9) + 1e-300,
    );
  }
}

describe('QuantileSketch (DDSketch)', () => {
  it('holds its relative error bound against the exact quantiles on random data', () => {
    fc.assert(
      fc.property(values, fc.constantFrom(0.001, 0.01, 0.05), (xs, alpha) => {
        expectWithinBound(sketchOf(xs, alpha), xs);
      }),
      settings,
    );
  });

  it('holds the bound on 100,000 heavy-tailed values (log-normal) in a few hundred buckets', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) + 0.5) / 2 ** 31;
    const xs = Array.from({ length: 100_000 }, () => {
      const z = Math.sqrt(-2 * Math.log(random())) * Math.cos(2 * Math.PI * random());
      return Math.exp(2 * z);
    });
    const s = sketchOf(xs);
    expectWithinBound(s, xs);
    const json = s.toJSON();
    expect(json.positive.length / 2).toBeGreaterThan(100);
    expect(json.positive.length / 2).toBeLessThan(1_000);
  });

  it('merges exactly: merge(sketch(a), sketch(b)) equals sketch(a ∪ b) bucket for bucket', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const merged = sketchOf(a);
        merged.merge(sketchOf(b));
        expect(merged.toJSON()).toEqual(sketchOf([...a, ...b]).toJSON());
        expect(merged.count).toBe(a.length + b.length);
        expectWithinBound(merged, [...a, ...b]);
      }),
      settings,
    );
  });

  it('round-trips through JSON', () => {
    fc.assert(
      fc.property(values, (xs) => {
        const s = sketchOf(xs);
        const back = QuantileSketch.fromJSON(JSON.parse(JSON.stringify(s.toJSON())));
        expect(back.toJSON()).toEqual(s.toJSON());
        expect(back.quantiles(QS)).toEqual(s.quantiles(QS));
      }),
      settings,
    );
  });

  it('answers null when empty and refuses bad input with InvalidParameterError', () => {
    expect(new QuantileSketch().quantile(0.5)).toBeNull();
    expect(() => new QuantileSketch(0)).toThrow(InvalidParameterError);
    expect(() => new QuantileSketch().add(NaN)).toThrow(InvalidParameterError);
    expect(() => new QuantileSketch().quantile(1.5)).toThrow(/quantile must be in \[0, 1\]/);
    expect(() => sketchOf([1], 0.01).merge(sketchOf([1], 0.02))).toThrow(/relative accuracy/);
    expect(() =>
      QuantileSketch.fromJSON({ relativeAccuracy: 0.01, zero: -1, positive: [], negative: [] }),
    ).toThrow(/zero must be a count/);
    expect(() =>
      QuantileSketch.fromJSON({ relativeAccuracy: 0.01, zero: 0, positive: [1.5, 2], negative: [] }),
    ).toThrow(/bad bucket index at 0/);
    expect(() =>
      QuantileSketch.fromJSON({ relativeAccuracy: 0.01, zero: 0, positive: [3, 2, 0, 1], negative: [] }),
    ).toThrow(/bad bucket index at 2/);
    expect(() =>
      QuantileSketch.fromJSON({ relativeAccuracy: 0.01, zero: 0, positive: [3], negative: [] }),
    ).toThrow(/index and count pairs/);
    // The flat form: first index, count, gap, count, ...
    const s = sketchOf([1, 1, 1.5, -2]);
    const json = s.toJSON();
    expect(json.positive).toEqual([0, 2, 21, 1]);
    expect(json.negative.length).toBe(2);
    expect(QuantileSketch.fromJSON({ ...json, positive: [0, 2, 21, 1] }).quantiles([0, 1])).toEqual(
      s.quantiles([0, 1]),
    );
  });
});
