/**
 * Live comparison with scipy on random inputs (issue 13, "what it must show"): seeded random samples, including
 * ties, tiny samples (n = 1, 2, 3), big ones (across KS's exact/asymptotic switch at 10,000) and non-finite values,
 * computed here and by scipy in the test Python environment, in one Python process for the whole file (all cases
 * as one JSON document on stdin). Python: $BOSUN_TEST_PYTHON (the test command sets it to the mlflow 3.x venv, which
 * has scipy through scikit-learn), else the same venv made or reused under the clone's .cache/ by
 * scripts/compat-venv.sh. Not in the fast loop (vitest.fast.config.ts) because it needs that Python.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../shared/index.js';
import { testPython } from '../../shared/test-support/test-python.js';
import {
  andersonKSamp,
  chiSquareContingency,
  chiSquareGoodnessOfFit,
  cramerVonMises2Samp,
  datasetDrift,
  energyDistance,
  fisherExact,
  histogramBinEdges,
  jensenShannonDistance,
  klDivergence,
  ks2Samp,
  mannWhitneyU,
  tTestInd,
  wassersteinDistance,
  wassersteinDistanceNormed,
  type Alternative,
  type BinRule,
  type LogBase,
} from './index.js';
import { seededUniform } from '../../shared/test-support/seeded-random.js';

const HERE = dirname(fileURLToPath(import.meta.url));

const rand = seededUniform(20261207);
const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

type Kind = 'continuous' | 'ties' | 'heavy';
/** A sample of n values: continuous normals (shifted, scaled), heavy ties (few distinct values) or lognormal tails. */
function sample(n: number, kind: Kind, shift = 0, scale = 1): number[] {
  return Array.from({ length: n }, () => {
    switch (kind) {
      case 'continuous':
        return shift + scale * normal();
      case 'ties':
        return shift + scale * Math.round(normal() * 2);
      case 'heavy':
        return shift + scale * Math.exp(1.5 * normal());
    }
  });
}
const SIZES = [1, 2, 3, 5, 8, 13, 20, 21, 40, 100, 400];
const KINDS: readonly Kind[] = ['continuous', 'ties', 'heavy'];
/** A random pair of samples: sizes from tiny to a few hundred, sometimes equal, sometimes shifted. */
function pair(minSize = 1): [number[], number[]] {
  const sizes = SIZES.filter((s) => s >= minSize);
  const m = pick(sizes);
  const n = rand() < 0.2 ? m : pick(sizes);
  const kind = pick(KINDS);
  return [sample(m, kind), sample(n, kind, rand() < 0.5 ? 0 : 0.5 * normal(), rand() < 0.7 ? 1 : 1.5)];
}
const counts = (k: number, max: number): number[] => Array.from({ length: k }, () => int(0, max));

/** Non-finite numbers travel as strings, as scipy_live.py expects and answers. */
type Wire = number | string;
const wire = (xs: readonly number[]): Wire[] =>
  xs.map((x) => (Number.isNaN(x) ? 'nan' : x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x));
const unwire = (v: unknown): number =>
  v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number);

interface Case {
  readonly id: string;
  readonly fn: string;
  readonly args: Record<string, unknown>;
  /** Compares ours with scipy's answer; returns the mismatches as text. */
  readonly check: (out: Record<string, unknown>) => string[];
}
const cases: Case[] = [];
let nextId = 0;
function add(fn: string, args: Record<string, unknown>, check: Case['check']): void {
  cases.push({ id: `${fn}#${nextId++}`, fn, args, check });
}

/**
 * Relative tolerance, or the absolute `atol` where a value is computed as 1 − something (scipy does the same, so
 * neither side is better than ~1e-16 absolute there); p-values below 1e-290 are both "zero"; infinities and NaN
 * compare exactly.
 */
function diff(what: string, ours: number, scipy: unknown, rtol: number, atol = 0): string[] {
  const s = unwire(scipy);
  if (Number.isNaN(s) || !Number.isFinite(s))
    return Object.is(ours, s) ? [] : [`${what}: ours ${ours}, scipy ${s}`];
  if (Math.abs(s) < 1e-290 && Math.abs(ours) < 1e-290) return [];
  if (Math.abs(ours - s) <= atol) return [];
  const rel = Math.abs(ours - s) / Math.max(Math.abs(s), Number.MIN_VALUE);
  return rel <= rtol
    ? []
    : [`${what}: ours ${ours}, scipy ${s} (relative error ${rel.toExponential(2)} > ${rtol})`];
}

/** The tolerances of docs/monitoring.md's accuracy table. */
const TOL = {
  ksD: 1e-14,
  ksP: 1e-12,
  distance: 1e-14,
  rankStatistic: 1e-13,
  cvmP: 1e-10,
  /**
   * Asymptotic CvM p is 1 − CDF(tn) in scipy and here alike: near p = 1e-9 the subtraction leaves ~1e-16 absolute
   * accuracy on both sides, so far-tail p-values agree absolutely (measured 1.3e-15 at p = 4.8e-10), not relatively.
   */
  cvmPAbsolute: 5e-15,
  adP: 1e-12,
  mwuP: 1e-13,
  t: 1e-13,
  tP: 1e-10,
  divergence: 1e-14,
  chi: 1e-13,
  chiP: 1e-12,
  fisherP: 1e-11,
  edges: 1e-14,
} as const;

// ---- the cases ----------------------------------------------------------------------------------------------

const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'less', 'greater'];
for (let i = 0; i < 60; i++) {
  const [x, y] = pair();
  const alternative = pick(ALTERNATIVES);
  add('ks_2samp', { x, y, alternative, method: 'auto' }, (o) => {
    const r = ks2Samp(x, y, { alternative });
    return [...diff('D', r.statistic, o['statistic'], TOL.ksD), ...diff('p', r.pValue, o['pvalue'], TOL.ksP)];
  });
}
// Big samples on both sides of the exact/asymptotic switch (max(m, n) = 10,000), and m = n.
for (const [m, n, kind] of [
  [3000, 2500, 'continuous'],
  [10_000, 700, 'ties'],
  [10_001, 700, 'ties'],
  [12_000, 9000, 'continuous'],
  [20_000, 20_000, 'heavy'],
  [5000, 5000, 'ties'],
] as const) {
  const x = sample(m, kind);
  const y = sample(n, kind, 0.03);
  add('ks_2samp', { x, y, alternative: 'two-sided', method: 'auto' }, (o) => {
    const r = ks2Samp(x, y);
    return [...diff('D', r.statistic, o['statistic'], TOL.ksD), ...diff('p', r.pValue, o['pvalue'], TOL.ksP)];
  });
}
// Rank statistics take ±Infinity as the largest and smallest values, as scipy does.
for (let i = 0; i < 10; i++) {
  const [x, y] = pair(2);
  x[0] = Infinity;
  y[y.length - 1] = -Infinity;
  if (i % 2 === 0) y[0] = Infinity;
  add('ks_2samp', { x: wire(x), y: wire(y), alternative: 'two-sided', method: 'auto' }, (o) => {
    const r = ks2Samp(x, y);
    return [
      ...diff('D(inf)', r.statistic, o['statistic'], TOL.ksD),
      ...diff('p(inf)', r.pValue, o['pvalue'], TOL.ksP),
    ];
  });
  const alternative = pick(ALTERNATIVES);
  add('mwu', { x: wire(x), y: wire(y), alternative }, (o) => {
    const r = mannWhitneyU(x, y, { alternative });
    return [
      ...diff('U(inf)', r.statistic, o['statistic'], TOL.rankStatistic),
      ...diff('p(inf)', r.pValue, o['pvalue'], TOL.mwuP),
    ];
  });
}
// datasetDrift drops NaN, ±Infinity and null per side (Evidently's rule): its KS p is scipy's on the finite values.
for (let i = 0; i < 10; i++) {
  const [x, y] = pair(3);
  const ref = x.map((v, j) => (j % 5 === 1 ? NaN : j % 7 === 2 ? Infinity : v));
  const cur = y.map((v, j) => (j % 4 === 3 ? -Infinity : v));
  add('ks_2samp_finite', { x: wire(ref), y: wire(cur) }, (o) => {
    const report = datasetDrift({ v: ref }, { v: cur }, { method: 'ks' }); // KS whatever the column's type
    const c = report.columns[0]!;
    if (c.status !== 'tested') return [`column skipped`];
    return diff('p(dropped non-finite)', c.score, o['pvalue'], TOL.ksP);
  });
}
for (let i = 0; i < 40; i++) {
  const [x, y] = pair();
  add('wasserstein', { x, y }, (o) => diff('W1', wassersteinDistance(x, y), o['value'], TOL.distance));
  add('wasserstein_norm', { x, y }, (o) =>
    diff('W1/σ', wassersteinDistanceNormed(x, y), o['value'], TOL.distance),
  );
  add('energy', { x, y }, (o) => diff('energy', energyDistance(x, y), o['value'], TOL.distance));
}
for (let i = 0; i < 40; i++) {
  const [x, y] = pair(2);
  add('cvm', { x, y }, (o) => {
    const r = cramerVonMises2Samp(x, y);
    return [
      ...diff('T', r.statistic, o['statistic'], TOL.rankStatistic),
      ...diff('p', r.pValue, o['pvalue'], TOL.cvmP, TOL.cvmPAbsolute),
    ];
  });
}
for (let i = 0; i < 40; i++) {
  const [x, y] = pair(2);
  if (new Set([...x, ...y]).size < 2) continue;
  add('anderson', { x, y }, (o) => {
    const r = andersonKSamp([x, y]);
    return [
      ...diff('T', r.statistic, o['statistic'], TOL.rankStatistic),
      ...diff('p', r.pValue, o['pvalue'], TOL.adP),
    ];
  });
}
for (let i = 0; i < 50; i++) {
  const [x, y] = pair();
  const alternative = pick(ALTERNATIVES);
  add('mwu', { x, y, alternative }, (o) => {
    const r = mannWhitneyU(x, y, { alternative });
    return [
      ...diff('U', r.statistic, o['statistic'], TOL.rankStatistic),
      ...diff('p', r.pValue, o['pvalue'], TOL.mwuP),
    ];
  });
}
for (let i = 0; i < 40; i++) {
  const equalVar = i % 2 === 0;
  const [x, y] = pair(equalVar ? 1 : 2);
  if (x.length + y.length < 3 || new Set(x).size + new Set(y).size <= 2) continue;
  add('ttest', { x, y, equal_var: equalVar }, (o) => {
    const r = tTestInd(x, y, { equalVar });
    return [...diff('t', r.statistic, o['statistic'], TOL.t), ...diff('p', r.pValue, o['pvalue'], TOL.tP)];
  });
}
for (let i = 0; i < 40; i++) {
  const k = int(2, 30);
  const p = counts(k, 40);
  const q = counts(k, 40);
  p[0] = (p[0] ?? 0) + 1;
  q[k - 1] = (q[k - 1] ?? 0) + 1;
  const base: LogBase = pick(['e', 2] as const);
  add('jensenshannon', { p, q, base }, (o) =>
    diff(`JS(base ${base})`, jensenShannonDistance(p, q, base), o['value'], TOL.divergence),
  );
  add('entropy', { p, q }, (o) => diff('KL', klDivergence(p, q), o['value'], TOL.divergence));
}
for (let i = 0; i < 50; i++) {
  const rows = i < 35 ? 2 : int(2, 4);
  const cols = int(2, 8);
  const table = Array.from({ length: rows }, () => counts(cols, i % 3 === 0 ? 6 : 60));
  // scipy refuses a table with an empty row or column (zero expected counts); so does the homogeneity test here
  for (let c = 0; c < cols; c++) table[0]![c]! += 1;
  for (const row of table) row[0]! += 1;
  const correction = i % 4 !== 3;
  add('chi2_contingency', { table, correction }, (o) => {
    const r = chiSquareContingency(table, { correction });
    return [
      ...diff('χ²', r.statistic, o['statistic'], TOL.chi),
      ...diff('p', r.pValue, o['pvalue'], TOL.chiP),
    ];
  });
}
for (let i = 0; i < 30; i++) {
  const k = int(2, 12);
  const observed = counts(k, 50);
  observed[0]! += 1;
  const total = observed.reduce((a, b) => a + b, 0);
  const weights = Array.from({ length: k }, () => 0.2 + rand());
  const wsum = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (w / wsum) * total);
  add('chisquare', { observed, expected }, (o) => {
    const r = chiSquareGoodnessOfFit(observed, expected);
    return [
      ...diff('χ²', r.statistic, o['statistic'], TOL.chi),
      ...diff('p', r.pValue, o['pvalue'], TOL.chiP),
    ];
  });
}
for (let i = 0; i < 40; i++) {
  const max = pick([3, 10, 40, 200]);
  const table: [[number, number], [number, number]] = [
    [int(0, max), int(0, max)],
    [int(0, max), int(0, max)],
  ];
  const alternative = pick(ALTERNATIVES);
  add('fisher', { table, alternative }, (o) => {
    const r = fisherExact(table, alternative);
    return [
      ...diff('odds ratio', r.statistic, o['statistic'], 1e-15),
      ...diff('p', r.pValue, o['pvalue'], TOL.fisherP),
    ];
  });
}
const RULES: readonly BinRule[] = ['sturges', 'doane', 'fd', 'scott', 'rice', 'sqrt', 'stone', 'auto'];
for (let i = 0; i < 40; i++) {
  const rule = RULES[i % RULES.length]!;
  const x = sample(pick([2, 3, 10, 50, 300]), pick(KINDS), normal(), 1 + rand());
  if (new Set(x).size < 2) continue;
  add('bin_edges', { x, rule }, (o) => {
    const ours = Array.from(histogramBinEdges(x, rule));
    const theirs = (o['edges'] as unknown[]).map(unwire);
    if (ours.length !== theirs.length)
      return [`${rule}: ${ours.length - 1} bins, numpy ${theirs.length - 1}`];
    const range = Math.abs(theirs[theirs.length - 1]! - theirs[0]!) || 1;
    return ours.flatMap((e, j) =>
      Math.abs(e - theirs[j]!) <= TOL.edges * range
        ? []
        : [`${rule} edge ${j}: ours ${e}, numpy ${theirs[j]}`],
    );
  });
}

// ---- run scipy once, then compare -------------------------------------------------------------------------------

let answers: Map<string, { out?: Record<string, unknown>; error?: string }>;
let versions: { scipy: string; numpy: string };

beforeAll(() => {
  const stdout = execFileSync(testPython(), [join(HERE, 'test-support/scipy_live.py')], {
    input: JSON.stringify({ cases: cases.map(({ id, fn, args }) => ({ id, fn, args })) }),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const parsed = JSON.parse(stdout) as {
    scipy: string;
    numpy: string;
    results: { id: string; out?: Record<string, unknown>; error?: string }[];
  };
  versions = { scipy: parsed.scipy, numpy: parsed.numpy };
  answers = new Map(parsed.results.map((r) => [r.id, r]));
});

describe('live comparison with scipy on random inputs', () => {
  it('runs against the scipy the golden files were made with', () => {
    expect(versions.scipy.split('.').slice(0, 2).join('.')).toBe('1.17');
    expect(answers.size).toBe(cases.length);
  });

  const families = [...new Set(cases.map((c) => c.fn))];
  it.each(families)('%s matches scipy on every case', (fn) => {
    const mine = cases.filter((c) => c.fn === fn);
    expect(mine.length).toBeGreaterThan(0);
    const problems = mine.flatMap((c) => {
      const answer = answers.get(c.id)!;
      if (answer.error !== undefined) return [`${c.id}: scipy raised ${answer.error}`];
      return c.check(answer.out!).map((p) => `${c.id}: ${p}`);
    });
    expect(problems).toEqual([]);
  });
});

describe('NaN and infinity: where the API refuses what scipy turns into nan', () => {
  it('refuses NaN in every sample statistic; scipy answers nan (nan_policy="propagate")', () => {
    const x = [1, 2, NaN, 4];
    const y = [2, 3, 5];
    for (const f of [
      () => ks2Samp(x, y),
      () => mannWhitneyU(x, y),
      () => cramerVonMises2Samp(x, y),
      () => andersonKSamp([x, y]),
      () => tTestInd(x, y),
      () => wassersteinDistance(x, y),
      () => energyDistance(x, y),
    ]) {
      expect(f).toThrow(InvalidParameterError);
      expect(f).toThrow(/\[2\]|index 2/);
    }
    const scipy = JSON.parse(
      execFileSync(testPython(), [join(HERE, 'test-support/scipy_live.py')], {
        input: JSON.stringify({
          cases: [
            { id: 'ks', fn: 'ks_2samp', args: { x: wire(x), y, alternative: 'two-sided', method: 'auto' } },
            { id: 'w', fn: 'wasserstein', args: { x: wire(x), y } },
          ],
        }),
        encoding: 'utf8',
      }),
    ) as { results: { id: string; out: Record<string, unknown> }[] };
    expect(scipy.results.map((r) => r.out['pvalue'] ?? r.out['value'])).toEqual(['nan', 'nan']);
  });

  it('refuses infinities in distances, where scipy answers nan or inf', () => {
    expect(() => wassersteinDistance([1, Infinity], [1, 2])).toThrow(InvalidParameterError);
    expect(() => energyDistance([1, 2], [-Infinity, 2])).toThrow(InvalidParameterError);
  });
});
