import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/index.js';
import {
  andersonKSamp,
  benjaminiHochberg,
  chiSquareContingency,
  cramerVonMises2Samp,
  energyDistance,
  fisherExact,
  hellingerDistance,
  jensenShannonDistance,
  klDivergence,
  ks2Samp,
  mannWhitneyU,
  populationStabilityIndex,
  proportionsZTest,
  sortSample,
  tTestInd,
  wassersteinDistance,
} from './index.js';

/** Invariants every implementation must keep, on random inputs (fast-check, fixed seed so runs repeat). */

const settings = { numRuns: 150, seed: 20261207 };
// Values rounded to a grid so that ties happen often; small sizes so that exact paths run.
const value = fc.integer({ min: -200, max: 200 }).map((v) => v / 8);
const sample = fc.array(value, { minLength: 1, maxLength: 40 });
const sample2 = fc.array(value, { minLength: 2, maxLength: 40 });
const shares = fc
  .array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 12 })
  .map((c) => c.map((v) => v / c.reduce((a, b) => a + b, 0)));
const sharePair = fc
  .integer({ min: 2, max: 12 })
  .chain((k) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: k, maxLength: k }),
      fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: k, maxLength: k }),
    ),
  )
  .filter(([p, q]) => p.some((v) => v > 0) && q.some((v) => v > 0));

const inUnit = (p: number): boolean => p >= 0 && p <= 1;

describe('symmetry', () => {
  it('W1, energy distance and two-sided KS do not depend on the order of the samples', () => {
    fc.assert(
      fc.property(sample, sample, (x, y) => {
        expect(wassersteinDistance(x, y)).toBeCloseTo(wassersteinDistance(y, x), 12);
        expect(energyDistance(x, y)).toBeCloseTo(energyDistance(y, x), 12);
        const a = ks2Samp(x, y);
        const b = ks2Samp(y, x);
        expect(a.statistic).toBe(b.statistic);
        expect(a.pValue).toBeCloseTo(b.pValue, 12);
      }),
      settings,
    );
  });

  it('JS and Hellinger are symmetric; the U statistics of both orders add up to m·n', () => {
    fc.assert(
      fc.property(sharePair, sample, sample, ([p, q], x, y) => {
        expect(jensenShannonDistance(p, q)).toBeCloseTo(jensenShannonDistance(q, p), 14);
        const pn = p.map((v) => v / p.reduce((s, t) => s + t, 0));
        const qn = q.map((v) => v / q.reduce((s, t) => s + t, 0));
        expect(hellingerDistance(pn, qn)).toBeCloseTo(hellingerDistance(qn, pn), 14);
        expect(mannWhitneyU(x, y).statistic + mannWhitneyU(y, x).statistic).toBe(x.length * y.length);
      }),
      settings,
    );
  });
});

describe('bounds', () => {
  it('every p-value lies in [0, 1] and KS D in [0, 1]', () => {
    fc.assert(
      fc.property(sample2, sample2, (x, y) => {
        const ks = ks2Samp(x, y);
        expect(inUnit(ks.statistic)).toBe(true);
        for (const p of [
          ks.pValue,
          ks2Samp(x, y, { alternative: 'less' }).pValue,
          ks2Samp(x, y, { method: 'asymp' }).pValue,
          mannWhitneyU(x, y).pValue,
          mannWhitneyU(x, y, { alternative: 'greater' }).pValue,
          cramerVonMises2Samp(x, y, x.length <= 10 && y.length <= 10 ? 'auto' : 'asymptotic').pValue,
        ]) {
          expect(inUnit(p), `p = ${p}`).toBe(true);
        }
        if (new Set([...x, ...y]).size >= 2) expect(inUnit(andersonKSamp([x, y]).pValue)).toBe(true);
        if (x.length + y.length >= 3) {
          const t = tTestInd(x, y).pValue;
          expect(Number.isNaN(t) || inUnit(t)).toBe(true);
        }
      }),
      settings,
    );
  });

  it('JS distance is within [0, √ln 2] (base e) and [0, 1] (base 2); Hellinger within [0, 1]', () => {
    fc.assert(
      fc.property(sharePair, ([p, q]) => {
        const e = jensenShannonDistance(p, q);
        const two = jensenShannonDistance(p, q, 2);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(Math.sqrt(Math.LN2) + 1e-15);
        expect(two).toBeLessThanOrEqual(1 + 1e-15);
        const pn = p.map((v) => v / p.reduce((s, t) => s + t, 0));
        const qn = q.map((v) => v / q.reduce((s, t) => s + t, 0));
        const h = hellingerDistance(pn, qn);
        expect(h >= 0 && h <= 1).toBe(true);
      }),
      settings,
    );
  });

  it('Fisher, z-test and chi-square p-values are in [0, 1] for any 2×2 table', () => {
    const cell = fc.integer({ min: 0, max: 60 });
    fc.assert(
      fc.property(cell, cell, cell, cell, (a, b, c, d) => {
        expect(
          inUnit(
            fisherExact([
              [a, b],
              [c, d],
            ]).pValue,
          ),
        ).toBe(true);
        if (a + b > 0 && c + d > 0) expect(inUnit(proportionsZTest(a, a + b, c, c + d).pValue)).toBe(true);
        if (a + b > 0 && c + d > 0 && a + c > 0 && b + d > 0) {
          expect(
            inUnit(
              chiSquareContingency([
                [a, b],
                [c, d],
              ]).pValue,
            ),
          ).toBe(true);
        }
      }),
      settings,
    );
  });
});

describe('identical samples', () => {
  it('give zero distances and p = 1', () => {
    fc.assert(
      fc.property(sample2, shares, (x, p) => {
        expect(wassersteinDistance(x, [...x].reverse())).toBe(0);
        expect(energyDistance(x, x)).toBe(0);
        const ks = ks2Samp(x, x);
        expect([ks.statistic, ks.pValue]).toEqual([0, 1]);
        expect(mannWhitneyU(x, x).pValue).toBe(1);
        expect(jensenShannonDistance(p, p)).toBe(0);
        expect(klDivergence(p, p)).toBe(0);
        expect(populationStabilityIndex(p, p)).toBe(0);
        expect(hellingerDistance(p, p)).toBeLessThan(2e-8); // √(1 − Σp) with Σp rounded to 1 ± ε
        if (new Set(x).size > 1) {
          const t = tTestInd(x, x);
          expect([t.statistic, t.pValue]).toEqual([0, 1]);
        }
      }),
      settings,
    );
  });

  it('equal category counts give chi-square 0 and p = 1', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 2, maxLength: 10 }), (counts) => {
        const r = chiSquareContingency([counts, counts], { correction: false });
        expect(r.statistic).toBeCloseTo(0, 12);
        expect(r.pValue).toBeCloseTo(1, 12);
      }),
      settings,
    );
  });
});

describe('other invariants', () => {
  it('W1 between a sample and its shift by c is |c|', () => {
    fc.assert(
      fc.property(sample, fc.integer({ min: -50, max: 50 }), (x, c) => {
        expect(
          wassersteinDistance(
            x,
            x.map((v) => v + c),
          ),
        ).toBeCloseTo(Math.abs(c), 9);
      }),
      settings,
    );
  });

  it('a sorted reference gives the same results as the raw one', () => {
    fc.assert(
      fc.property(sample2, sample2, (x, y) => {
        const ref = sortSample(x);
        expect(ks2Samp(ref, y)).toEqual(ks2Samp(x, y));
        expect(wassersteinDistance(ref, y)).toBe(wassersteinDistance(x, y));
        expect(mannWhitneyU(ref, y)).toEqual(mannWhitneyU(x, y));
      }),
      settings,
    );
  });

  it('Benjamini-Hochberg: adjusted ≥ raw, order kept, and the rejected set is the k smallest p-values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (ps) => {
          const { adjusted, rejected } = benjaminiHochberg(ps, 0.1);
          ps.forEach((p, i) => expect(adjusted[i]!).toBeGreaterThanOrEqual(p - 1e-15));
          const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
          for (let k = 1; k < order.length; k++) {
            expect(adjusted[order[k]![1]]!).toBeGreaterThanOrEqual(adjusted[order[k - 1]![1]]!);
          }
          const m = ps.length;
          let kMax = 0;
          order.forEach(([p], r) => {
            if (p <= ((r + 1) * 0.1) / m) kMax = r + 1;
          });
          const expected = new Set(order.slice(0, kMax).map(([, i]) => i));
          rejected.forEach((rej, i) => expect(rej, `index ${i}`).toBe(expected.has(i)));
        },
      ),
      settings,
    );
  });
});

describe('bad input', () => {
  it('refuses empty samples, NaN and infinite values with InvalidParameterError', () => {
    expect(() => ks2Samp([], [1])).toThrow(InvalidParameterError);
    expect(() => ks2Samp([1, NaN], [1])).toThrow(/x holds a value that is not a number at index 1/);
    expect(() => wassersteinDistance([1, Infinity], [1])).toThrow(/infinite/);
    expect(() => cramerVonMises2Samp([1], [1, 2])).toThrow(/at least 2 values/);
    expect(() => mannWhitneyU([1], [])).toThrow(InvalidParameterError);
    expect(() => tTestInd([1, 2], [NaN])).toThrow(InvalidParameterError);
    expect(() => andersonKSamp([[1, 1], [1]])).toThrow(/distinct/);
  });

  it('refuses mismatched or invalid distributions and counts', () => {
    expect(() => jensenShannonDistance([0.5, 0.5], [1])).toThrow(/same length/);
    expect(() => klDivergence([0, 0], [0.5, 0.5])).toThrow(/sums to zero/);
    expect(() => populationStabilityIndex([0.5, 0.5, 0], [0.4, 0.4, 0.2])).toThrow(/smooth/);
    expect(() => hellingerDistance([-0.1, 1.1], [0.5, 0.5])).toThrow(/non-negative/);
    expect(() =>
      chiSquareContingency([
        [0, 0],
        [3, 4],
      ]),
    ).toThrow(/expected frequency/);
    expect(() =>
      fisherExact([
        [1.5, 2],
        [3, 4],
      ]),
    ).toThrow(/non-negative integers/);
    expect(() => proportionsZTest(5, 4, 1, 2)).toThrow(/exceed/);
    expect(() => benjaminiHochberg([0.2, 1.5])).toThrow(/\[0, 1\]/);
  });
});

describe('typed-array input', () => {
  it('gives the same results as a plain array and still refuses NaN', () => {
    const x = [0.5, -1, 2.25, 0.5, 3];
    const y = [1, 1.5, -0.25, 4];
    expect(ks2Samp(Float64Array.from(x), Float64Array.from(y))).toEqual(ks2Samp(x, y));
    expect(() => ks2Samp(Float64Array.of(1, NaN), y)).toThrow(/x holds NaN at index 1/);
  });
});
