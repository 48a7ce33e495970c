import { describe, expect, it } from 'vitest';
import {
  BOSUN_PRESET,
  chiSquareContingency,
  EVIDENTLY_PRESET,
  evidentlyChiSquare,
  ks2Samp,
  wassersteinDistanceNormed,
  type ColumnValue,
} from '../stats/index.js';
import {
  buildDriftReport,
  categoricalDistribution,
  MAX_CATEGORY_BARS,
  numericDistribution,
  renderDriftJson,
  renderDriftText,
  type DriftReport,
  type TestedColumnReport,
} from './index.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

const rnd = seeded(7);
const refX = Array.from({ length: 120 }, () => rnd());
const curX = Array.from({ length: 90 }, () => rnd() + 0.3);
const refCity = ['a', 'a', 'b', 'c', 'a', 'b', 'a', 'c', 'a', 'b'];
const curCity = ['a', 'b', 'b', 'c', 'b', 'b', 'a', 'c', 'b', 'b'];

function report(
  ref: Record<string, ColumnValue[]>,
  cur: Record<string, ColumnValue[]>,
  preset = EVIDENTLY_PRESET,
): DriftReport {
  return buildDriftReport({
    reference: { name: 'ref.csv', rows: 120 },
    current: { name: 'cur.csv', rows: 90 },
    referenceColumns: ref,
    currentColumns: cur,
    preset,
  });
}

const tested = (r: DriftReport, name: string): TestedColumnReport => {
  const c = r.columns.find((x) => x.name === name);
  if (c?.status !== 'tested') throw new Error(`${name} not tested`);
  return c;
};

describe('buildDriftReport', () => {
  it('gives each test its statistic and p-value, and each distance its value without one', () => {
    const r = report({ x: refX, city: [...refCity] }, { x: curX, city: [...curCity] });
    const x = tested(r, 'x');
    const ks = ks2Samp(refX, curX);
    expect(x).toMatchObject({
      method: 'ks',
      statistic: { name: 'D', value: ks.statistic },
      pValue: ks.pValue,
      score: ks.pValue,
      threshold: 0.05,
      comparator: '<=',
      driftDetected: true,
      referenceSize: 120,
      currentSize: 90,
    });
    const city = tested(r, 'city');
    const chi = evidentlyChiSquare([5, 3, 2], [2, 6, 2]);
    expect(city).toMatchObject({
      method: 'chisquare',
      statistic: { name: 'χ²', value: chi.statistic },
      pValue: chi.pValue,
    });
    expect(r.dataset).toEqual({
      testedColumns: 2,
      driftedColumns: 1,
      skippedColumns: 0,
      driftShare: 0.5,
      driftShareThreshold: 0.5,
      driftDetected: true,
    });

    const big = seeded(3);
    const refBig = Array.from({ length: 1500 }, () => big());
    const curBig = Array.from({ length: 1500 }, () => big() * 1.1);
    const w = tested(report({ v: refBig }, { v: curBig }), 'v');
    expect(w).toMatchObject({ method: 'wasserstein', pValue: null, scoreKind: 'distance', comparator: '>=' });
    expect(w.statistic).toEqual({ name: 'W1/σ_ref', value: wassersteinDistanceNormed(refBig, curBig) });
  });

  it('keeps the raw p-value beside the Benjamini-Hochberg adjusted one the verdict uses', () => {
    const r = report({ x: refX, city: [...refCity] }, { x: curX, city: [...curCity] }, BOSUN_PRESET);
    const city = tested(r, 'city');
    const raw = chiSquareContingency([
      [5, 3, 2],
      [2, 6, 2],
    ]).pValue;
    expect(city.pValue).toBe(raw);
    expect(city.adjustedPValue).toBeCloseTo(Math.min(1, raw), 12); // the larger of two p-values: BH leaves it
    expect(city.score).toBe(city.adjustedPValue);
    expect(tested(r, 'x').adjustedPValue).toBeCloseTo(ks2Samp(refX, curX).pValue * 2, 12);
  });

  it('reports text columns as skipped and leaves them out of the share', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `word ${i}`);
    const r = report({ x: refX, note: words(120) }, { x: refX.slice(0, 90), note: words(90) });
    expect(r.columns[1]).toEqual({
      status: 'skipped',
      name: 'note',
      type: 'text',
      reason: 'no drift method applies to text columns',
    });
    expect(r.dataset).toMatchObject({ testedColumns: 1, skippedColumns: 1, driftDetected: false });
  });
});

describe('distributions', () => {
  it('bins both numeric sides over shared edges, shares summing to 1, infinities left out', () => {
    const d = numericDistribution([0, 1, 2, 3, Infinity, null], [2, 3, 4, 4]);
    if (d.kind !== 'histogram') throw new Error('expected a histogram');
    expect(d.edges[0]).toBe(0);
    expect(d.edges[d.edges.length - 1]).toBe(4);
    expect(d.edges).toHaveLength(d.reference.length + 1);
    expect(d.reference.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(d.current.reduce((a, b) => a + b)).toBeCloseTo(1, 12);
    expect(d.current).toEqual([0, 0, 0.25, 0.75]); // 4 bins of width 1; the last, [3, 4], is closed
    expect(numericDistribution([5, 5], [5])).toEqual({
      kind: 'histogram',
      edges: [5, 5],
      reference: [1],
      current: [1],
    });
  });

  it('orders categories by pooled share and folds the tail into one bar', () => {
    const many = Array.from({ length: MAX_CATEGORY_BARS + 5 }, (_, i) => `c${i}`);
    const d = categoricalDistribution(['x', 'x', 'x', ...many], ['x', 'y']);
    if (d.kind !== 'categories') throw new Error('expected categories');
    expect(d.categories[0]).toEqual({ value: 'x', reference: 3 / 28, current: 0.5 });
    expect(d.categories[1]).toEqual({ value: 'y', reference: 0, current: 0.5 });
    expect(d.categories).toHaveLength(MAX_CATEGORY_BARS);
    expect(d.other).toMatchObject({ count: 7, current: 0 });
    expect(d.other!.reference).toBeCloseTo(7 / 28, 12);
  });
});

describe('renderers', () => {
  const r = report({ x: refX, city: [...refCity] }, { x: curX, city: [...curCity] });

  it('prints a row per column and the verdict', () => {
    const text = renderDriftText(r);
    expect(text).toMatch(/^COLUMN\s+TYPE\s+METHOD\s+STATISTIC\s+P-VALUE\s+THRESHOLD\s+DRIFT$/m);
    expect(text).toMatch(/^x\s+numerical\s+ks\s+D = 0\.\d+\s+\S+\s+p <= 0\.05\s+yes$/m);
    expect(text).toMatch(/^city\s+categorical\s+chisquare\s+χ² = \S+\s+0\.\d+\s+p < 0\.05\s+no$/m);
    expect(text).toContain(
      'Dataset: DRIFT DETECTED: 1 of 2 tested columns drifted (drift share 0.5, threshold 0.5)',
    );
  });

  it('neutralises terminal escapes in column names', () => {
    const evil = report({ 'a\u001b[31mb': [...refCity] }, { 'a\u001b[31mb': [...curCity] });
    const text = renderDriftText(evil);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('a\\u001b[31mb');
  });

  it('serialises the report shape as JSON, infinities as strings', () => {
    const parsed = JSON.parse(renderDriftJson(r)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['schema', 'preset', 'reference', 'current', 'columns', 'dataset']);
    expect(parsed['schema']).toBe('bosun.drift-report/v1');
    const columns = parsed['columns'] as Record<string, unknown>[];
    expect(Object.keys(columns[0]!)).toEqual([
      'status',
      'name',
      'type',
      'method',
      'description',
      'statistic',
      'pValue',
      'adjustedPValue',
      'score',
      'scoreKind',
      'threshold',
      'comparator',
      'driftDetected',
      'referenceSize',
      'currentSize',
      'missing',
      'distribution',
    ]);
    const newCategory = report({ c: ['a', 'a', 'a', 'b', 'b', 'b'] }, { c: ['a', 'z', 'z'] });
    const json = JSON.parse(renderDriftJson(newCategory)) as { columns: { statistic: { value: unknown } }[] };
    expect(json.columns[0]!.statistic.value).toBe('Infinity');
  });
});
