import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../shared/index.js';
import {
  BOSUN_PRESET,
  chiSquareContingency,
  datasetDrift,
  evidentlyChiSquare,
  evidentlyDefaultMethod,
  evidentlyNumericHellinger,
  inferColumnType,
  jensenShannonDistance,
  ks2Samp,
  wassersteinDistanceNormed,
  type ColumnDrift,
} from '../index.js';
import { seededUniform } from '../../../shared/test-support/seeded-random.js';

/** A deterministic pseudo-random normal sample (mulberry32 + Box-Muller), so the tests need no fixtures. */
function normal(n: number, mean: number, seed: number): number[] {
  const uniform = seededUniform(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - uniform();
    return Math.round((mean + Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform())) * 1e6) / 1e6;
  });
}

function tested(c: ColumnDrift | undefined): Extract<ColumnDrift, { status: 'tested' }> {
  if (c?.status !== 'tested') throw new Error(`expected a tested column, got ${JSON.stringify(c)}`);
  return c;
}

describe('column type inference (Evidently 0.7 infer_column_type)', () => {
  it('follows the dtype and cardinality rules', () => {
    expect(inferColumnType([0.5, 1, 2])).toBe('numerical');
    expect(inferColumnType([1, 2, 3, 1, 2, null])).toBe('categorical');
    expect(inferColumnType(Array.from({ length: 11 }, (_, i) => i))).toBe('numerical');
    expect(inferColumnType(Array.from({ length: 10 }, (_, i) => i))).toBe('categorical');
    expect(inferColumnType(['a', 'b', 'a', 'b'])).toBe('categorical');
    expect(inferColumnType(['a', 'b', 'c', 'a'])).toBe('text');
    expect(inferColumnType([true, false, null])).toBe('categorical');
    expect(inferColumnType([null, undefined])).toBe('categorical');
  });
});

describe('Evidently default method (registry._get_default_stattest)', () => {
  it('depends on type, reference size (≤ 1000) and distinct values only', () => {
    expect(evidentlyDefaultMethod('numerical', 1000, 6)).toBe('ks');
    expect(evidentlyDefaultMethod('numerical', 1001, 6)).toBe('wasserstein');
    expect(evidentlyDefaultMethod('numerical', 1000, 5)).toBe('chisquare');
    expect(evidentlyDefaultMethod('numerical', 1000, 3)).toBe('chisquare');
    expect(evidentlyDefaultMethod('numerical', 1000, 2)).toBe('z');
    expect(evidentlyDefaultMethod('numerical', 5000, 2)).toBe('jensenshannon');
    expect(evidentlyDefaultMethod('categorical', 10, 3)).toBe('chisquare');
    expect(evidentlyDefaultMethod('categorical', 10, 2)).toBe('z');
    expect(evidentlyDefaultMethod('categorical', 2000, 40)).toBe('jensenshannon');
    expect(evidentlyDefaultMethod('text', 10, 10)).toBeUndefined();
  });
});

describe('datasetDrift with the Evidently preset', () => {
  const smallRef = normal(500, 0, 1);
  const smallCur = normal(400, 0.4, 2);
  const bigRef = normal(3000, 0, 3);
  const bigCur = normal(2000, 0.05, 4);

  it('uses KS (p ≤ 0.05) below 1,000 reference rows and normed Wasserstein (≥ 0.1) above', () => {
    const r = datasetDrift({ small: smallRef, big: bigRef }, { small: smallCur, big: bigCur });
    const small = tested(r.columns[0]);
    expect([small.method, small.threshold, small.comparator]).toEqual(['ks', 0.05, '<=']);
    expect(small.score).toBe(ks2Samp(smallRef, smallCur).pValue);
    expect(small.driftDetected).toBe(true);
    const big = tested(r.columns[1]);
    expect([big.method, big.threshold, big.comparator]).toEqual(['wasserstein', 0.1, '>=']);
    expect(big.score).toBe(wassersteinDistanceNormed(bigRef, bigCur));
    expect(big.driftDetected).toBe(false);
    // 1 of 2 columns drifted: share 0.5 ≥ 0.5, so the dataset drifts (Evidently's ≥).
    expect([r.driftedColumns, r.testedColumns, r.driftShare, r.datasetDrift]).toEqual([1, 2, 0.5, true]);
    expect(r.preset).toBe('evidently-0.7');
  });

  it("runs Evidently's goodness-of-fit chi-square on small categorical columns and JS over categories on large ones", () => {
    const ref = [...Array(50).fill('a'), ...Array(30).fill('b'), ...Array(20).fill('c')];
    const cur = [...Array(45).fill('a'), ...Array(35).fill('b'), ...Array(20).fill('c')];
    const small = tested(datasetDrift({ c: ref }, { c: cur }).columns[0]);
    expect(small.method).toBe('chisquare');
    expect(small.score).toBe(evidentlyChiSquare([50, 30, 20], [45, 35, 20]).pValue);
    const bigRef = Array.from({ length: 12 }, () => ref).flat();
    const big = tested(datasetDrift({ c: bigRef }, { c: cur }).columns[0]);
    expect(big.method).toBe('jensenshannon');
    expect(big.score).toBeCloseTo(jensenShannonDistance([0.5, 0.3, 0.2], [0.45, 0.35, 0.2]), 14);
  });

  it('uses the z-test on binary columns and p = 1 when both sides hold the same single value', () => {
    const r = datasetDrift(
      { flag: [...Array(30).fill(1), ...Array(70).fill(0)], same: Array(10).fill('x') },
      { flag: [...Array(45).fill(1), ...Array(75).fill(0)], same: Array(12).fill('x') },
    );
    const flag = tested(r.columns[0]);
    expect(flag.method).toBe('z');
    expect(flag.score).toBeCloseTo(0.24258357934832, 12);
    expect(tested(r.columns[1]).score).toBe(1);
  });

  it('drops missing values (null, NaN, ±Infinity) per side and counts them', () => {
    const r = datasetDrift({ x: [...smallRef, null, NaN] }, { x: [...smallCur, Infinity] });
    const x = tested(r.columns[0]);
    expect(x.missing).toEqual({ reference: 2, current: 1 });
    expect(x.referenceSize).toBe(smallRef.length);
    expect(x.score).toBe(ks2Samp(smallRef, smallCur).pValue);
  });

  it('applies overrides with column > type > global precedence, and skips text columns', () => {
    const r = datasetDrift(
      { a: smallRef, b: smallRef, t: ['p', 'q', 'r', 's'] },
      { a: smallCur, b: smallCur, t: ['u', 'v', 'w', 'x'] },
      { method: 'ed', methodByColumn: { a: 'anderson' }, threshold: 0.2, thresholdByColumn: { a: 0.01 } },
    );
    const a = tested(r.columns[0]);
    expect([a.method, a.threshold]).toEqual(['anderson', 0.01]);
    const b = tested(r.columns[1]);
    expect([b.method, b.threshold, b.comparator]).toEqual(['ed', 0.2, '>']);
    expect(r.columns[2]).toMatchObject({ status: 'skipped', type: 'text' });
    expect(r.testedColumns).toBe(2);
  });

  it('refuses a column with no values on one side or missing from the current data', () => {
    expect(() => datasetDrift({ x: [1, 2] }, { x: [null] })).toThrow(InvalidParameterError);
    expect(() => datasetDrift({ x: [1, 2] }, {})).toThrow(/not in the current data/);
  });
});

describe('datasetDrift with the Bosun preset', () => {
  it('uses the homogeneity chi-square and judges p-values with Benjamini-Hochberg', () => {
    const ref = [...Array(50).fill('a'), ...Array(30).fill('b'), ...Array(20).fill('c')];
    const cur = [...Array(45).fill('a'), ...Array(35).fill('b'), ...Array(20).fill('c')];
    const shifted = normal(300, 0.5, 9);
    const r = datasetDrift(
      { cat: ref, num: normal(300, 0, 8) },
      { cat: cur, num: shifted },
      { preset: BOSUN_PRESET },
    );
    const cat = tested(r.columns[0]);
    expect(cat.method).toBe('chi2_contingency');
    expect(cat.score).toBe(
      chiSquareContingency([
        [50, 30, 20],
        [45, 35, 20],
      ]).pValue,
    );
    // The larger of two p-values keeps its value under BH (p·m/rank with rank = m).
    expect(cat.adjustedPValue).toBe(cat.score);
    const num = tested(r.columns[1]);
    expect(num.driftDetected).toBe(true);
    expect([num.threshold, num.comparator]).toEqual([0.05, '<=']);
    expect(cat.driftDetected).toBe(false);
    expect(r.preset).toBe('bosun');
  });
});

describe("Evidently's numerical Hellinger", () => {
  it('bins the distinct values by Sturges and weights density products by the mean width', () => {
    // Expected value from Evidently's hellinger_distance.py formula run with numpy 2.4.6 on the same data.
    const r = Array.from({ length: 60 }, (_, i) => Math.round(((i * 0.37) % 5) * 100) / 100);
    const c = Array.from({ length: 45 }, (_, i) => Math.round(((i * 0.53) % 6) * 100) / 100);
    expect(evidentlyNumericHellinger(r, c)).toBeCloseTo(0.2656974378081106, 14);
    const column = tested(
      datasetDrift({ x: r }, { x: c }, { method: 'hellinger', columnTypes: { x: 'numerical' } }).columns[0],
    );
    expect(column.score).toBe(evidentlyNumericHellinger(r, c));
  });
});

describe('datasetDrift on Float64Array columns (what the file readers produce)', () => {
  const METHODS = [
    'ks',
    'wasserstein',
    'psi',
    'jensenshannon',
    'kl_div',
    'hellinger',
    'anderson',
    'cramer_von_mises',
    'ed',
    'mannw',
    't_test',
    'welch_t_test',
  ] as const;
  // Unsorted, with NaN (missing), ±Infinity (dropped as Evidently drops them), −0 and +0, ties.
  const withHoles = (xs: number[]): number[] =>
    xs.map((v, i) => (i % 97 === 0 ? NaN : i % 131 === 0 ? Infinity : i % 157 === 0 ? -0 : v));
  const refCells = withHoles(normal(5000, 0, 71));
  const curCells = withHoles(normal(4000, 0.05, 72)).concat([0, 0, -Infinity]);
  const asCells = (xs: number[]) => xs.map((v) => (Number.isNaN(v) ? null : v));

  it.each(METHODS)('%s gives the same result as on cells, without changing the caller’s arrays', (method) => {
    const ref = Float64Array.from(refCells);
    const cur = Float64Array.from(curCells);
    const typed = tested(datasetDrift({ x: ref }, { x: cur }, { method }).columns[0]);
    const plain = tested(
      datasetDrift({ x: asCells(refCells) }, { x: asCells(curCells) }, { method }).columns[0],
    );
    if (method === 't_test' || method === 'welch_t_test') {
      // The means are summed over the sorted values instead of the file order: the last bits may differ.
      expect(Math.abs(typed.score - plain.score)).toBeLessThanOrEqual(1e-9 * plain.score);
    } else expect(typed.score).toBe(plain.score);
    expect(typed.type).toBe(plain.type);
    expect(typed.referenceSize).toBe(plain.referenceSize);
    expect(typed.missing).toEqual(plain.missing);
    expect(typed.driftDetected).toBe(plain.driftDetected);
    expect(Array.from(ref)).toEqual(refCells);
    expect(Array.from(cur)).toEqual(curCells);
  });

  it('infers types and picks the default method from the typed values as from cells', () => {
    const small = Float64Array.from({ length: 3000 }, (_, i) => (i % 3) - 1); // 3 distinct integers
    const wide = Float64Array.from({ length: 3000 }, (_, i) => i % 40); // 40 distinct integers
    const [s, w] = [
      datasetDrift({ s: small, w: wide }, { s: small.slice(1), w: wide.slice(7) }),
      datasetDrift({ s: [...small], w: [...wide] }, { s: [...small.slice(1)], w: [...wide.slice(7)] }),
    ];
    for (const i of [0, 1]) {
      const [a, b] = [tested(s.columns[i]), tested(w.columns[i])];
      expect([a.type, a.method, a.score]).toEqual([b.type, b.method, b.score]);
    }
    expect(tested(s.columns[0]).type).toBe('categorical');
    expect(tested(s.columns[1]).type).toBe('numerical');
  });

  it('reports the KS statistic beside its p-value', () => {
    const c = tested(
      datasetDrift({ x: Float64Array.from(refCells) }, { x: Float64Array.from(curCells) }, { method: 'ks' })
        .columns[0],
    );
    const finite = (xs: number[]) => xs.filter((v) => Number.isFinite(v));
    const direct = ks2Samp(finite(refCells), finite(curCells));
    expect(c.statistic).toBe(direct.statistic);
    expect(c.score).toBe(direct.pValue);
  });
});
