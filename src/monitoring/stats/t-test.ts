import { mean, pairwiseSum } from './numeric/pairwise-sum.js';
import { requireSize, type Sample } from './numeric/sample.js';
import { studentTCdf } from './special/incomplete-beta.js';
import { InvalidParameterError } from '../../shared/index.js';
import type { Alternative, TestResult } from './types.js';

export interface TTestOptions {
  readonly alternative?: Alternative;
  /**
   * true: Student's pooled-variance test (scipy's default, and Evidently's `t_test`); false: Welch's test, which
   * does not assume equal variances and is the better default for drift checks.
   */
  readonly equalVar?: boolean;
}

export interface TTestResult extends TestResult {
  /** Degrees of freedom (n₁ + n₂ − 2, or the Welch-Satterthwaite value). */
  readonly df: number;
}

function checked(values: Sample, name: string): Float64Array {
  const out = Float64Array.from(values);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i]!)) {
      throw new InvalidParameterError(
        `ttest_ind: ${name}[${i}] is not a finite number (${String(values[i])})`,
      );
    }
  }
  requireSize(out, 1, name, 'ttest_ind');
  return out;
}

/** Sample variance (ddof = 1) computed as scipy's `_var`: the second central moment times n/(n−1). */
function sampleVariance(values: Float64Array, m: number): number {
  const n = values.length;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) sq[i] = (values[i]! - m) ** 2;
  return (pairwiseSum(sq) / n) * (n / (n - 1));
}

/**
 * Two-sample t-test on the means, matching `scipy.stats.ttest_ind(a, b, equal_var, alternative)`.
 * t = (x̄ − ȳ)/SE with SE² = s_p²(1/n₁ + 1/n₂), s_p² = ((n₁−1)s₁² + (n₂−1)s₂²)/(n₁+n₂−2) (Student), or
 * SE² = s₁²/n₁ + s₂²/n₂ with Welch-Satterthwaite df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1))
 * (Welch). p from Student's t CDF (regularised incomplete beta, {@link studentTCdf}). Takes the raw values (no
 * sorting needed); ±Infinity and NaN are refused.
 *
 * @example tTestInd(reference, current, { equalVar: false }) // Welch
 */
export function tTestInd(a: Sample, b: Sample, options: TTestOptions = {}): TTestResult {
  const alternative = options.alternative ?? 'two-sided';
  const equalVar = options.equalVar ?? true;
  const x = checked(a, 'a');
  const y = checked(b, 'b');
  const n1 = x.length;
  const n2 = y.length;
  const m1 = mean(x);
  const m2 = mean(y);
  let v1 = n1 > 1 ? sampleVariance(x, m1) : NaN;
  let v2 = n2 > 1 ? sampleVariance(y, m2) : NaN;
  let df: number;
  let denom: number;
  if (equalVar) {
    if (n1 + n2 < 3) throw new InvalidParameterError('ttest_ind needs at least 3 values in all');
    if (n1 === 1) v1 = 0;
    if (n2 === 1) v2 = 0;
    df = n1 + n2 - 2;
    const svar = ((n1 - 1) * v1 + (n2 - 1) * v2) / df;
    denom = Math.sqrt(svar * (1 / n1 + 1 / n2));
  } else {
    if (n1 < 2 || n2 < 2)
      throw new InvalidParameterError("Welch's t-test needs at least 2 values per sample");
    const vn1 = v1 / n1;
    const vn2 = v2 / n2;
    df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (n1 - 1) + vn2 ** 2 / (n2 - 1));
    if (Number.isNaN(df)) df = 1;
    denom = Math.sqrt(vn1 + vn2);
  }
  const t = (m1 - m2) / denom;
  let p: number;
  switch (alternative) {
    case 'less':
      p = studentTCdf(t, df);
      break;
    case 'greater':
      p = studentTCdf(-t, df);
      break;
    case 'two-sided':
      p = 2 * studentTCdf(-Math.abs(t), df);
      break;
  }
  return { statistic: t, pValue: p, df };
}

/** Welch's unequal-variance t-test: {@link tTestInd} with `equalVar: false`. */
export function welchTTest(a: Sample, b: Sample, alternative: Alternative = 'two-sided'): TTestResult {
  return tTestInd(a, b, { alternative, equalVar: false });
}
