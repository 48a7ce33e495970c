/**
 * What the two scipy golden-case tests share (golden-scipy.test.ts: the 72 shared cases, generated at test time by
 * golden_scipy.py; golden-scipy-extra.test.ts: the extra cases of golden-scipy-extra.json): the case format, how a
 * case file is read or generated, and the comparisons each family's check is made of.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { testPython } from '../../../shared/test-support/test-python.js';
import { histogramBinEdges, parseBinRule } from '../index.js';

/** One golden case: its family is the part of `name` before the first `/`. */
export interface GoldenCase {
  name: string;
  scipy_fn: string;
  inputs: Record<string, unknown>;
  /** scipy's outputs; non-finite numbers as `"inf"`, `"-inf"`, `"nan"`. */
  expected: Record<string, number | string>;
}

/** A golden file: the numpy and scipy versions that computed it, and its cases. */
export interface GoldenFile {
  numpy: string;
  scipy: string;
  cases: GoldenCase[];
}

/** The cases a generator in this folder prints, run with the test Python (its scipy and numpy). */
export function generateGolden(script: string): GoldenFile {
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  return JSON.parse(
    execFileSync(testPython(), [path], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024, // the shared cases are about 3 MB of JSON
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  ) as GoldenFile;
}

/** The cases of a committed golden file in this folder. */
export function readGolden(file: string): GoldenFile {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`./${file}`, import.meta.url)), 'utf8')) as GoldenFile;
}

/** A golden number: a JSON number, or `"inf"`, `"-inf"`, `"nan"`. */
export function num(v: unknown): number {
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (v === 'nan') return NaN;
  if (typeof v !== 'number') throw new Error(`expected a number, got ${String(v)}`);
  return v;
}

/** Expects `actual` within relative tolerance `rtol` of scipy's value (exactly equal when that is 0 or not finite). */
export function close(actual: number, expected: unknown, rtol: number, what: string): void {
  const e = num(expected);
  if (!Number.isFinite(e) || e === 0) {
    expect(actual, what).toBe(e);
    return;
  }
  const rel = Math.abs(actual - e) / Math.abs(e);
  expect(rel, `${what}: got ${actual}, scipy ${e}`).toBeLessThanOrEqual(rtol);
}

/** Expects a test's statistic (named `what`) and p-value within their tolerances of scipy's. */
export function closeTest(
  r: { statistic: number; pValue: number },
  e: GoldenCase['expected'],
  tolerances: { statistic: number; p: number },
  what: string,
): void {
  close(r.statistic, e.statistic, tolerances.statistic, what);
  close(r.pValue, e.pvalue, tolerances.p, 'p');
}

export const arr = (v: unknown): number[] => v as number[];
export const table = (v: unknown): number[][] => v as number[][];
/** A 2×2 table as the tuple `fisherExact` takes. */
export const table2x2 = (v: unknown): [[number, number], [number, number]] => {
  const t = table(v);
  return [
    [t[0]![0]!, t[0]![1]!],
    [t[1]![0]!, t[1]![1]!],
  ];
};

/** Checks a `histogram_bin_edges/<rule>` case: the number of bins and the outer edges, exactly. */
function checkHistogramBinEdges(c: GoldenCase): void {
  const edges = histogramBinEdges(arr(c.inputs.x), parseBinRule(c.name.split('/')[1]!));
  expect(edges.length - 1).toBe(num(c.expected.n_bins));
  expect(edges[0]).toBe(num(c.expected.first));
  expect(edges[edges.length - 1]).toBe(num(c.expected.last));
}

/**
 * The dispatcher: one test per case, named by the case. The families both files hold (`histogram_bin_edges`) are
 * checked here, the others by `check`, which returns false for a family it does not know: that fails the case
 * with `unknown` and the case's name. Call inside the describe block, after the test of the file's versions.
 */
export function eachGoldenCase(golden: GoldenFile, check: (c: GoldenCase) => boolean, unknown: string): void {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    if (c.name.startsWith('histogram_bin_edges/')) {
      checkHistogramBinEdges(c);
      return;
    }
    expect(check(c), `${unknown} ${c.name}`).toBe(true);
  });
}
