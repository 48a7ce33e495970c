import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/index.js';
import { jensenShannonDistance, wassersteinDistanceNormed } from '../stats/index.js';
import {
  mergeDatasetSketches,
  parseDatasetSketch,
  serialiseDatasetSketch,
  sketchDataset,
  type DatasetSketch,
} from './column-sketch.js';
import { sketchDrift } from './sketch-drift.js';

const settings = { numRuns: 120, seed: 20261207 };
const columns = [
  { name: 'x', type: 'numerical' as const },
  { name: 'city', type: 'categorical' as const },
];
const row = fc.record({
  x: fc.oneof(
    { weight: 8, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(null, Number.NaN, 'oops') },
  ),
  city: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c', 'd') },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
});
const rows = fc.array(row, { minLength: 1, maxLength: 300 });

type Row = { x: number | string | null; city: string | null };
const sketchRows = (rs: readonly Row[]): DatasetSketch =>
  sketchDataset({ x: rs.map((r) => r.x), city: rs.map((r) => r.city) }, columns, rs.length);
const numbers = (rs: readonly Row[]) =>
  rs.map((r) => r.x).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));

describe('dataset sketches', () => {
  it('merge(a, b) equals sketch(a ∪ b): counters exact, moments to rounding, quantile buckets equal', () => {
    fc.assert(
      fc.property(rows, rows, (a, b) => {
        const parts = [sketchRows(a), sketchRows(b), sketchRows(a)];
        const before = parts.map(serialiseDatasetSketch);
        const merged = mergeDatasetSketches(parts.slice(0, 2));
        // The parts are left as they were (the merge copies each column once, then merges in place).
        mergeDatasetSketches(parts);
        expect(parts.map(serialiseDatasetSketch)).toEqual(before);
        const whole = sketchRows([...a, ...b]);
        expect(merged.rows).toBe(whole.rows);
        const mx = merged.columns.x!;
        const wx = whole.columns.x!;
        if (mx.kind !== 'numerical' || wx.kind !== 'numerical') throw new Error('numerical expected');
        expect([mx.count, mx.missing, mx.typeMismatches, mx.min, mx.max]).toEqual([
          wx.count,
          wx.missing,
          wx.typeMismatches,
          wx.min,
          wx.max,
        ]);
        expect(mx.mean).toBeCloseTo(wx.mean, 6);
        expect(mx.m2 / Math.max(1, wx.m2)).toBeCloseTo(wx.m2 / Math.max(1, wx.m2), 6);
        expect(mx.quantiles.toJSON()).toEqual(wx.quantiles.toJSON());
        const mc = merged.columns.city!;
        const wc = whole.columns.city!;
        if (mc.kind !== 'categorical' || wc.kind !== 'categorical') throw new Error('categorical expected');
        expect(mc.items.toJSON()).toEqual(wc.items.toJSON());
        expect(mc.missing).toBe(wc.missing);
      }),
      settings,
    );
  });

  it('round-trips through its JSON text, and refuses damaged text with InvalidParameterError', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        const s = sketchRows(rs);
        const text = serialiseDatasetSketch(s);
        expect(serialiseDatasetSketch(parseDatasetSketch(text))).toBe(text);
      }),
      settings,
    );
    expect(() => parseDatasetSketch('{')).toThrow(InvalidParameterError);
    expect(() => parseDatasetSketch('{"version":2}')).toThrow(/version 1/);
    const good = JSON.parse(serialiseDatasetSketch(sketchRows([{ x: 1, city: 'a' }]))) as {
      columns: { x: { count: number } };
    };
    good.columns.x.count = -3;
    expect(() => parseDatasetSketch(JSON.stringify(good))).toThrow(/x\.count must be a count/);
  });
});

describe('sketchDrift', () => {
  it('puts the normed Wasserstein distance within its stated bound of the exact one', () => {
    fc.assert(
      fc.property(rows, rows, (a, b) => {
        fc.pre(numbers(a).length > 0 && numbers(b).length > 0);
        const drift = sketchDrift(sketchRows(a), sketchRows(b), { jsBase: 'e', driftShare: 0.5 });
        const x = drift.columns.find((c) => c.column === 'x')!;
        const exact = wassersteinDistanceNormed(numbers(a), numbers(b));
        expect(x.method).toBe('wasserstein');
        expect(Math.abs(x.score! - exact)).toBeLessThanOrEqual(x.errorBound! * (1 + 1e-9) + 1e-12);
        if (x.verdictCertain) expect(exact >= x.threshold).toBe(x.driftDetected);
      }),
      settings,
    );
  });

  it('gives the exact Jensen-Shannon distance, missing rates and new categories when the items are exact', () => {
    const ref: Row[] = [...'aaaabbbccd'].map((city) => ({ x: 1, city }));
    const cur: Row[] = [...'aabbbbee', null].map((city) => ({ x: 2, city: city as string | null }));
    const drift = sketchDrift(sketchRows(ref), sketchRows(cur), { jsBase: 2, driftShare: 0.5 });
    const city = drift.columns.find((c) => c.column === 'city')!;
    // Shares over a, b, c, d, e.
    const exact = jensenShannonDistance([4, 3, 2, 1, 0], [2, 4, 0, 0, 2], 2);
    expect(city.method).toBe('jensenshannon_base2');
    expect(city.score).toBeCloseTo(exact, 12);
    expect(city.errorBound).toBe(0);
    expect(city.verdictCertain).toBe(true);
    expect(city.newCategories).toEqual([{ value: 'e', count: 2 }]);
    expect(city.newCategoriesExact).toBe(true);
    expect(city.current.missingRate).toBeCloseTo(1 / 9, 12);
    expect(drift.approximate).toBe(true);
    expect(drift.testedColumns).toBe(2);
  });

  it('summarises but does not test the columns it is told to leave untested (text, datetime)', () => {
    const ref: Row[] = Array.from({ length: 40 }, (_, i) => ({ x: i, city: `note ${i}` }));
    const cur: Row[] = Array.from({ length: 40 }, (_, i) => ({ x: i, city: i % 2 ? null : `other ${i}` }));
    const drift = sketchDrift(sketchRows(ref), sketchRows(cur), {
      jsBase: 'e',
      driftShare: 0.5,
      untested: { city: 'no drift method applies to text columns' },
    });
    const city = drift.columns.find((c) => c.column === 'city')!;
    expect([city.score, city.method, city.driftDetected, city.reason]).toEqual([
      null,
      null,
      false,
      'no drift method applies to text columns',
    ]);
    expect(city.current.missingRate).toBe(0.5);
    expect([drift.testedColumns, drift.datasetDrift]).toEqual([1, false]);
  });

  it('skips a column without values in the window and judges the dataset by the drift share', () => {
    const ref: Row[] = Array.from({ length: 50 }, (_, i) => ({ x: i, city: 'a' }));
    const cur: Row[] = Array.from({ length: 50 }, (_, i) => ({ x: null, city: i % 2 ? 'a' : 'z' }));
    const drift = sketchDrift(sketchRows(ref), sketchRows(cur), {
      jsBase: 'e',
      driftShare: 0.5,
      thresholdByColumn: { city: 0.2 },
    });
    const x = drift.columns.find((c) => c.column === 'x')!;
    expect(x.score).toBeNull();
    expect(x.reason).toBe('no non-missing values in the window');
    expect(x.current.missingRate).toBe(1);
    const city = drift.columns.find((c) => c.column === 'city')!;
    expect(city.threshold).toBe(0.2);
    expect(city.driftDetected).toBe(true);
    expect(drift.testedColumns).toBe(1);
    expect(drift.datasetDrift).toBe(true);
  });
});
