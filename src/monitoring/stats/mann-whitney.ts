import { pooledRanks } from './numeric/ranks.js';
import { requireSize, sortSample, type SampleInput } from './numeric/sample.js';
import { normalSf } from './special/error-function.js';
import { binomial } from './special/gamma.js';
import type { Alternative, TestResult } from './types.js';

export type MannWhitneyMethod = 'auto' | 'exact' | 'asymptotic';

export interface MannWhitneyOptions {
  readonly alternative?: Alternative;
  /** Continuity correction of ½ in the normal approximation (scipy's `use_continuity`, default true). */
  readonly continuity?: boolean;
  /** 'auto' (default): exact when min size ≤ 8 and there are no ties, asymptotic otherwise (scipy's rule). */
  readonly method?: MannWhitneyMethod;
}

export interface MannWhitneyResult extends TestResult {
  readonly method: 'exact' | 'asymptotic';
}

/**
 * Null distribution of U for sizes n1 ≤ n2 without ties, by the recursion of Löffler (1983) used in scipy's
 * `_MWU.build_u_freqs_array`: c(u) = (1/u) Σ_{t<u} c(t)·σ(u − t), σ(a) = Σ_{d|a, d≤n1} d − Σ_{d|a, n2<d≤n1+n2} d.
 * Returns P(U ≥ k).
 */
export function mannWhitneyExactSf(k: number, n1: number, n2: number): number {
  if (n1 > n2) [n1, n2] = [n2, n1];
  const total = binomial(n1 + n2, n1);
  const frequencies = (maxu: number): Float64Array => {
    const sigma = new Float64Array(maxu + 1);
    for (let d = 1; d <= n1; d++) for (let idx = d; idx <= maxu; idx += d) sigma[idx]! += d;
    for (let d = n2 + 1; d <= n2 + n1; d++) for (let idx = d; idx <= maxu; idx += d) sigma[idx]! -= d;
    const conf = new Float64Array(maxu + 1);
    conf[0] = 1;
    for (let u = 1; u <= maxu; u++) {
      let dot = 0;
      for (let t = 0; t < u; t++) dot += conf[t]! * sigma[u - t]!;
      conf[u] = Math.trunc(dot / u);
    }
    return conf;
  };
  const cdf = (kk: number): { cdf: number; pmf: number } => {
    const conf = frequencies(kk);
    let c = 0;
    for (let u = 0; u <= kk; u++) c += conf[u]! / total;
    return { cdf: c, pmf: conf[kk]! / total };
  };
  const kc = n1 * n2 - k;
  if (k < kc) {
    const r = cdf(k);
    return 1 - r.cdf + r.pmf;
  }
  return cdf(kc).cdf;
}

/**
 * Mann-Whitney U test, matching `scipy.stats.mannwhitneyu(x, y, use_continuity, alternative, method)`.
 * U₁ = R₁ − m(m+1)/2 with R₁ the sum of x's midranks in the pooled sample (the returned statistic, as scipy);
 * U₂ = mn − U₁. The p-value uses U = max(U₁, U₂) two-sided (doubled), U₁ for 'greater', U₂ for 'less'.
 * Asymptotic: z = (U − mn/2 − ½)/σ with the tie-corrected σ² = mn/12 · ((N+1) − Σ(t³ − t)/(N(N−1))),
 * p = Φ̄(z). Exact: the permutation distribution without ties.
 */
export function mannWhitneyU(
  x: SampleInput,
  y: SampleInput,
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  const alternative = options.alternative ?? 'two-sided';
  const continuity = options.continuity ?? true;
  const xs = sortSample(x, 'x');
  const ys = sortSample(y, 'y');
  requireSize(xs, 1, 'x', 'mannwhitneyu');
  requireSize(ys, 1, 'y', 'mannwhitneyu');
  const n1 = xs.values.length;
  const n2 = ys.values.length;
  const { ranksX, tieCounts } = pooledRanks(xs.values, ys.values);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranksX[i]!;
  const u1 = r1 - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  let hasTies = false;
  for (let i = 0; i < tieCounts.length; i++) if (tieCounts[i]! > 1) hasTies = true;
  const requested = options.method ?? 'auto';
  const method: 'exact' | 'asymptotic' =
    requested === 'auto' ? ((n1 > 8 && n2 > 8) || hasTies ? 'asymptotic' : 'exact') : requested;
  let u: number;
  let f: number;
  if (alternative === 'greater') {
    u = u1;
    f = 1;
  } else if (alternative === 'less') {
    u = u2;
    f = 1;
  } else {
    u = Math.max(u1, u2);
    f = 2;
  }
  let p: number;
  if (method === 'exact') {
    p = mannWhitneyExactSf(Math.trunc(u), n1, n2);
  } else {
    const mu = (n1 * n2) / 2;
    const n = n1 + n2;
    let tieTerm = 0;
    for (let i = 0; i < tieCounts.length; i++) {
      const t = tieCounts[i]!;
      tieTerm += t ** 3 - t;
    }
    const s = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    let numerator = u - mu;
    if (continuity) numerator -= 0.5;
    p = normalSf(numerator / s);
  }
  p *= f;
  return { statistic: u1, pValue: Math.min(Math.max(p, 0), 1), method };
}
