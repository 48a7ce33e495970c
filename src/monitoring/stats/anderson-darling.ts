import { InvalidParameterError } from '../../shared/index.js';
import { pairwiseSum } from './numeric/pairwise-sum.js';
import { polyfit, polyval } from './numeric/polyfit.js';
import { lowerBound, requireSize, sortSample, upperBound, type SampleInput } from './numeric/sample.js';
import type { TestResult } from './types.js';

export interface AndersonKSampResult extends TestResult {
  /** Critical values at the significance levels {@link AD_SIGNIFICANCE_LEVELS}. */
  readonly criticalValues: readonly number[];
  /**
   * 'interpolated' inside the tabulated range; 'capped' when the statistic is below every critical value (p
   * reported as 0.25, the true p is larger); 'floored' when above every one (p reported as 0.001, the true p is
   * smaller). scipy warns in the last two cases.
   */
  readonly pValueKind: 'interpolated' | 'capped' | 'floored';
}

/** Significance levels of the tabulated critical values (Scholz & Stephens 1987, Table 1). */
export const AD_SIGNIFICANCE_LEVELS: readonly number[] = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];
const B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];

/**
 * k-sample Anderson-Darling test, matching `scipy.stats.anderson_ksamp(samples)` with its default midrank
 * variant (scipy 1.17 `variant='midrank'`): Scholz & Stephens (1987), "K-sample Anderson-Darling tests",
 * JASA 82(399), eq. 7, the version for discrete data with ties:
 *   A²_akN = (N−1)/N · Σᵢ 1/nᵢ Σⱼ lⱼ/N · (N·M_ij − nᵢ·B_j)² / (B_j(N − B_j) − N·lⱼ/4),
 * over the distinct pooled values zⱼ with multiplicity lⱼ, B_j = #{pooled < zⱼ} + lⱼ/2 and
 * M_ij = #{sample i ≤ zⱼ} − f_ij/2. The statistic returned is the standardised T = (A² − (k−1))/σ_N.
 * p-value: a quadratic fitted to log(significance) over the critical values b₀ + b₁/√(k−1) + b₂/(k−1) (scipy's
 * `np.polyfit` interpolation), capped at 0.25 and floored at 0.001 outside the table, see
 * {@link AndersonKSampResult.pValueKind}.
 *
 * @example andersonKSamp([reference, current]).pValue
 */
export function andersonKSamp(samples: readonly SampleInput[]): AndersonKSampResult {
  const k = samples.length;
  if (k < 2) throw new InvalidParameterError('anderson_ksamp needs at least 2 samples');
  const sorted = samples.map((s, i) => {
    const ss = sortSample(s, `samples[${i}]`);
    requireSize(ss, 1, `samples[${i}]`, 'anderson_ksamp');
    return ss.values;
  });
  const n = sorted.map((s) => s.length);
  const N = n.reduce((a, b) => a + b, 0);
  const Z = new Float64Array(N);
  let off = 0;
  for (const s of sorted) {
    Z.set(s, off);
    off += s.length;
  }
  Z.sort();
  const distinct: number[] = [];
  for (let i = 0; i < N; i++) if (i === 0 || Z[i] !== Z[i - 1]) distinct.push(Z[i]!);
  if (distinct.length < 2) {
    throw new InvalidParameterError(
      'anderson_ksamp needs at least two distinct values in the pooled samples',
    );
  }
  const J = distinct.length;
  const lj = new Float64Array(J);
  const Bj = new Float64Array(J);
  {
    let pos = 0;
    for (let jj = 0; jj < J; jj++) {
      const left = pos;
      const right = upperBound(Z, distinct[jj]!, pos);
      lj[jj] = N === J ? 1 : right - left;
      Bj[jj] = left + lj[jj]! / 2;
      pos = right;
    }
  }
  let A2akN = 0;
  const inner = new Float64Array(J);
  for (let i = 0; i < k; i++) {
    const s = sorted[i]!;
    let posR = 0;
    let posL = 0;
    for (let jj = 0; jj < J; jj++) {
      const z = distinct[jj]!;
      posL = lowerBound(s, z, posL);
      posR = upperBound(s, z, Math.max(posR, posL));
      const fij = posR - posL;
      const Mij = posR - fij / 2;
      const dlt = N * Mij - Bj[jj]! * n[i]!;
      inner[jj] = ((lj[jj]! / N) * dlt * dlt) / (Bj[jj]! * (N - Bj[jj]!) - (N * lj[jj]!) / 4);
    }
    A2akN += pairwiseSum(inner) / n[i]!;
  }
  A2akN *= (N - 1) / N;

  const H = pairwiseSum(n.map((ni) => 1 / ni));
  const hsCs = new Float64Array(Math.max(N - 2, 0));
  let acc = 0;
  for (let idx = 0; idx < N - 2; idx++) {
    acc += 1 / (N - 1 - idx);
    hsCs[idx] = acc;
  }
  const h = (N > 2 ? hsCs[N - 3]! : 0) + 1;
  const gTerms = new Float64Array(hsCs.length);
  for (let idx = 0; idx < hsCs.length; idx++) gTerms[idx] = hsCs[idx]! / (idx + 2);
  const g = pairwiseSum(gTerms);
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * k ** 2 + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * k ** 2 + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * k ** 2 - 4 * h * k;
  const sigmasq = (a * N ** 3 + b * N ** 2 + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
  const m = k - 1;
  const A2 = (A2akN - m) / Math.sqrt(sigmasq);

  const critical = B0.map((b0, i) => b0 + B1[i]! / Math.sqrt(m) + B2[i]! / m);
  const sig = AD_SIGNIFICANCE_LEVELS;
  if (A2 < Math.min(...critical)) {
    return { statistic: A2, pValue: Math.max(...sig), criticalValues: critical, pValueKind: 'capped' };
  }
  if (A2 > Math.max(...critical)) {
    return { statistic: A2, pValue: Math.min(...sig), criticalValues: critical, pValueKind: 'floored' };
  }
  const pf = polyfit(
    critical,
    sig.map((s) => Math.log(s)),
    2,
  );
  return {
    statistic: A2,
    pValue: Math.exp(polyval(pf, A2)),
    criticalValues: critical,
    pValueKind: 'interpolated',
  };
}
