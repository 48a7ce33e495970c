import { InvalidParameterError } from '../../shared/index.js';
import { pairwiseSum } from './numeric/pairwise-sum.js';
import { pooledRanks } from './numeric/ranks.js';
import { requireSize, sortSample, type SampleInput } from './numeric/sample.js';
import { besselKScaled } from './special/bessel-k.js';
import { logGamma } from './special/gamma.js';
import type { TestResult } from './types.js';

export type CvmMethod = 'auto' | 'exact' | 'asymptotic';

export interface CvmResult extends TestResult {
  readonly method: 'exact' | 'asymptotic';
}

/**
 * CDF of the limiting one-sample Cramér-von Mises distribution (Csörgő & Faraway 1996, eq. 1.2), summed as scipy's
 * `_cdf_cvm_inf` does: terms Γ(k+½)/(Γ(k+1)·π^{3/2}·√x) · √(4k+1) · e^{−q} · K_{1/4}(q), q = (4k+1)²/(16x),
 * until a term falls below 1e-7 (so the same truncation as scipy).
 */
export function cvmLimitCdf(x: number): number {
  let total = 0;
  for (let k = 0; ; k++) {
    const u = Math.exp(logGamma(k + 0.5) - logGamma(k + 1)) / (Math.PI ** 1.5 * Math.sqrt(x));
    const y = 4 * k + 1;
    const q = (y * y) / (16 * x);
    const kv = besselKScaled(0.25, q) * Math.exp(-q);
    const z = u * Math.sqrt(y) * Math.exp(-q) * kv;
    total += z;
    if (!(Math.abs(z) >= 1e-7)) break;
  }
  return total;
}

function lcmOf(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y) [x, y] = [y, x % y];
  return (a / x) * b;
}

/**
 * Exact p-value of the two-sample CvM statistic by the frequency-table recursion of Xiao, Gordon & Yakovlev
 * (2006), "A C++ program for the Cramér-von Mises two-sample test", J. Stat. Softw. 17(8) (scipy's
 * `_pval_cvm_2samp_exact`). Exponential in the sizes: scipy uses it only when both are ≤ 20.
 */
export function cvmExactPValue(u: number, m: number, n: number): number {
  const lcm = lcmOf(m, n);
  const a = lcm / m;
  const b = lcm / n;
  const mn = m * n;
  const zeta = Math.floor((lcm * lcm * (m + n) * (6 * u - mn * (4 * mn - 1))) / (6 * mn * mn));
  let gs: Map<number, number>[] = [new Map([[0, 1]])];
  for (let v = 0; v < m; v++) gs.push(new Map());
  for (let uu = 0; uu <= n; uu++) {
    const next: Map<number, number>[] = [];
    let tmp = new Map<number, number>();
    for (let v = 0; v < gs.length; v++) {
      const merged = new Map(tmp);
      for (const [value, freq] of gs[v]!) merged.set(value, (merged.get(value) ?? 0) + freq);
      const res = (a * v - b * uu) ** 2;
      tmp = new Map();
      for (const [value, freq] of merged) tmp.set(value + res, freq);
      next.push(tmp);
    }
    gs = next;
  }
  let hits = 0;
  for (const [value, freq] of gs[m]!) if (value >= zeta) hits += freq;
  let combinations = 1;
  for (let i = 1; i <= m; i++) combinations = (combinations * (n + i)) / i;
  return hits / Math.round(combinations);
}

/**
 * Two-sample Cramér-von Mises test, matching `scipy.stats.cramervonmises_2samp(x, y, method)` (Anderson 1962).
 * With midranks rᵢ of the sorted x and sⱼ of the sorted y in the pooled sample:
 * U = m·Σᵢ(rᵢ − i)² + n·Σⱼ(sⱼ − j)², T = U/(mn(m+n)) − (4mn − 1)/(6(m+n)).
 * p-value: 'auto' is exact when max(m, n) ≤ 20, otherwise asymptotic: T is standardised with its exact mean
 * and variance, tn = 1/6 + (T − E[T])/√(45·Var[T]), and p = 1 − CvM∞(tn) (p = 1 when tn < 0.003).
 * Needs at least 2 values per sample.
 */
export function cramerVonMises2Samp(x: SampleInput, y: SampleInput, method: CvmMethod = 'auto'): CvmResult {
  const xs = sortSample(x, 'x');
  const ys = sortSample(y, 'y');
  requireSize(xs, 2, 'x', 'cramervonmises_2samp');
  requireSize(ys, 2, 'y', 'cramervonmises_2samp');
  const nx = xs.values.length;
  const ny = ys.values.length;
  const chosen = method === 'auto' ? (Math.max(nx, ny) > 20 ? 'asymptotic' : 'exact') : method;
  const { ranksX, ranksY } = pooledRanks(xs.values, ys.values);
  const dx = new Float64Array(nx);
  for (let i = 0; i < nx; i++) dx[i] = (ranksX[i]! - (i + 1)) ** 2;
  const dy = new Float64Array(ny);
  for (let j = 0; j < ny; j++) dy[j] = (ranksY[j]! - (j + 1)) ** 2;
  const u = nx * pairwiseSum(dx) + ny * pairwiseSum(dy);
  const k = nx * ny;
  const N = nx + ny;
  const t = u / (k * N) - (4 * k - 1) / (6 * N);
  if (chosen === 'exact') {
    return { statistic: t, pValue: cvmExactPValue(u, nx, ny), method: 'exact' };
  }
  const et = (1 + 1 / N) / 6;
  let vt = (N + 1) * (4 * k * N - 3 * (nx * nx + ny * ny) - 2 * k);
  vt = vt / (45 * N * N * 4 * k);
  const tn = 1 / 6 + (t - et) / Math.sqrt(45 * vt);
  const p = tn >= 0.003 ? Math.max(1 - cvmLimitCdf(tn), 0) : 1;
  return { statistic: t, pValue: p, method: 'asymptotic' };
}

/** Parses a CvM method name from configuration. */
export function parseCvmMethod(value: string): CvmMethod {
  if (value === 'auto' || value === 'exact' || value === 'asymptotic') return value;
  throw new InvalidParameterError(`CvM method must be 'auto', 'exact' or 'asymptotic', got '${value}'`);
}
