import { InvalidParameterError } from '../../shared/index.js';
import { pairwiseSum } from './numeric/pairwise-sum.js';
import { requireFiniteVector } from './numeric/sample.js';
import { chiSquareSf } from './special/incomplete-gamma.js';
import type { TestResult } from './types.js';

/**
 * Pearson chi-square and G (log-likelihood ratio) tests on counts: scipy's `power_divergence` family.
 */

/** Which power-divergence statistic: Pearson's χ² (λ = 1) or the G-test (λ = 0, log-likelihood ratio). */
export type DivergenceStatistic = 'pearson' | 'log-likelihood';

export interface ChiSquareResult extends TestResult {
  readonly dof: number;
}

function xlogy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(y);
}

function powerDivergenceTerms(
  obs: ArrayLike<number>,
  exp: ArrayLike<number>,
  kind: DivergenceStatistic,
): number {
  const terms = new Float64Array(obs.length);
  for (let i = 0; i < obs.length; i++) {
    const o = obs[i]!;
    const e = exp[i]!;
    terms[i] = kind === 'pearson' ? (o - e) ** 2 / e : 2 * xlogy(o, o / e);
  }
  return pairwiseSum(terms);
}

function checkCounts(values: ArrayLike<number>, name: string, what: string): void {
  requireFiniteVector(values, name, what);
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < 0) throw new InvalidParameterError(`${what}: ${name}[${i}] is negative`);
  }
}

/**
 * Goodness-of-fit test of observed counts against expected counts, `scipy.stats.power_divergence(f_obs, f_exp,
 * lambda_)` (`scipy.stats.chisquare` for Pearson): χ² = Σ (O − E)²/E or G = 2 Σ O ln(O/E), dof = k − 1 − ddof,
 * p = χ²_dof.sf(statistic). As scipy, the totals of observed and expected must agree to a relative 1.49e-8
 * (√ε); Evidently's `chisquare` passes E = reference counts · n_cur/n_ref, see {@link evidentlyChiSquare}.
 */
export function chiSquareGoodnessOfFit(
  observed: ArrayLike<number>,
  expected: ArrayLike<number>,
  options: { statistic?: DivergenceStatistic; ddof?: number } = {},
): ChiSquareResult {
  const what = 'chisquare';
  if (observed.length !== expected.length || observed.length === 0) {
    throw new InvalidParameterError(
      `${what}: observed and expected must be non-empty and of the same length`,
    );
  }
  checkCounts(observed, 'observed', what);
  checkCounts(expected, 'expected', what);
  const so = pairwiseSum(observed);
  const se = pairwiseSum(expected);
  const rtol = Math.sqrt(Number.EPSILON);
  if (Math.abs(so - se) / Math.min(so, se) > rtol) {
    throw new InvalidParameterError(
      `${what}: the observed total (${so}) and the expected total (${se}) must agree to a relative ${rtol}`,
    );
  }
  const stat = powerDivergenceTerms(observed, expected, options.statistic ?? 'pearson');
  const dof = observed.length - 1 - (options.ddof ?? 0);
  return { statistic: stat, pValue: chiSquareSf(stat, dof), dof };
}

/** Expected counts of a two-way table under independence: E_ij = R_i·C_j/N (`scipy.stats.contingency.expected_freq`). */
export function expectedFrequencies(table: readonly (readonly number[])[]): number[][] {
  const rows = table.map((r) => pairwiseSum(r));
  const cols = table[0]!.map((_, j) => pairwiseSum(table.map((r) => r[j]!)));
  const total = pairwiseSum(rows);
  return table.map((_, i) => cols.map((c) => (rows[i]! * c) / total));
}

/**
 * Chi-square test of independence/homogeneity on an r×c contingency table, `scipy.stats.chi2_contingency(table,
 * correction, lambda_)`. E from the margins, dof = (r−1)(c−1). With dof = 1 and `correction` (default true,
 * as scipy) Yates' correction moves each observed count ½ towards its expected value (never past it). For drift,
 * the rows are reference and current counts per category: a proper two-sample test, unlike Evidently's
 * goodness-of-fit `chisquare`. dof = 0 gives statistic 0 and p = 1.
 *
 * @example chiSquareContingency([[30, 70], [45, 75]], { correction: false }) // statistic 1.3655…, p 0.2426…
 */
export function chiSquareContingency(
  table: readonly (readonly number[])[],
  options: { correction?: boolean; statistic?: DivergenceStatistic } = {},
): ChiSquareResult {
  const what = 'chi2_contingency';
  if (table.length === 0 || table[0]!.length === 0)
    throw new InvalidParameterError(`${what}: the table is empty`);
  const c = table[0]!.length;
  table.forEach((row, i) => {
    if (row.length !== c)
      throw new InvalidParameterError(`${what}: row ${i} has ${row.length} cells, expected ${c}`);
    checkCounts(row, `table[${i}]`, what);
  });
  const expected = expectedFrequencies(table);
  expected.forEach((row, i) =>
    row.forEach((e, j) => {
      if (e === 0) {
        throw new InvalidParameterError(
          `${what}: the expected frequency of cell (${i}, ${j}) is zero (a row or column of the table is all zero)`,
        );
      }
    }),
  );
  const dof = table.length * c - table.length - c + 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof: 0 };
  const obs: number[] = [];
  const exp: number[] = [];
  table.forEach((row, i) =>
    row.forEach((o, j) => {
      const e = expected[i]![j]!;
      let adjusted = o;
      if (dof === 1 && (options.correction ?? true)) {
        const diff = e - o;
        adjusted = o + Math.min(0.5, Math.abs(diff)) * Math.sign(diff);
      }
      obs.push(adjusted);
      exp.push(e);
    }),
  );
  const stat = powerDivergenceTerms(obs, exp, options.statistic ?? 'pearson');
  return { statistic: stat, pValue: chiSquareSf(stat, dof), dof };
}

/**
 * G-test (log-likelihood ratio) of homogeneity between reference and current counts per category: the
 * contingency form of the G statistic, G = 2 Σ O ln(O/E) on the 2×k table, without Yates' correction. Unlike
 * Evidently's `g_test`, which passes the unscaled reference counts as expected values and fails whenever the two
 * totals differ (evidently#1914), it works for any sizes. Use {@link chiSquareGoodnessOfFit} with
 * `statistic: 'log-likelihood'` for Evidently's exact call.
 */
export function gTest(reference: ArrayLike<number>, current: ArrayLike<number>): ChiSquareResult {
  return chiSquareContingency([Array.from(reference), Array.from(current)], {
    correction: false,
    statistic: 'log-likelihood',
  });
}

/**
 * Evidently's `chisquare` drift test: a goodness-of-fit test of the current counts against the reference
 * proportions, `scipy.stats.chisquare(f_obs=cur, f_exp=ref·Σcur/Σref)`. It ignores the sampling noise of the
 * reference (prefer {@link chiSquareContingency}); a category seen only in the current data gives E = 0,
 * χ² = ∞ and p = 0.
 */
export function evidentlyChiSquare(
  reference: ArrayLike<number>,
  current: ArrayLike<number>,
): ChiSquareResult {
  if (reference.length !== current.length || reference.length === 0) {
    throw new InvalidParameterError(
      'chisquare: reference and current counts must be non-empty and of the same length',
    );
  }
  // Evidently scales by k = n_cur/n_ref first (`k_norm`), then multiplies.
  const kNorm = pairwiseSum(current) / pairwiseSum(reference);
  const expected = Array.from(reference, (r) => r * kNorm);
  if (expected.some((e, i) => e === 0 && current[i]! > 0)) {
    const stat = Infinity;
    return { statistic: stat, pValue: 0, dof: reference.length - 1 };
  }
  return chiSquareGoodnessOfFit(current, expected);
}
