import { InvalidParameterError } from '../../shared/index.js';
import { countPathsOutside, probOutsideBand, probOutsideSquare } from './ks-exact.js';
import { scanEcdfs, type EcdfScan } from './numeric/ecdf-scan.js';
import { requireSize, sortSample, type SampleInput } from './numeric/sample.js';
import { binomial } from './special/gamma.js';
import { kstwoSf } from './special/kolmogorov-n.js';
import type { Alternative, TestResult } from './types.js';

/** How the KS p-value is computed: scipy's `method`. */
export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsOptions {
  readonly alternative?: Alternative;
  /** 'auto' (default): exact when max(m, n) ≤ 10,000, asymptotic above, as scipy does. */
  readonly method?: KsMethod;
}

export interface KsResult extends TestResult {
  /** The method that produced the p-value (after 'auto' and any fallback). */
  readonly method: 'exact' | 'asymp';
  /** True when 'exact' was asked for but could not be computed, so the asymptotic p-value was used (scipy warns). */
  readonly fellBackToAsymptotic: boolean;
  /** The pooled value where the ECDF difference is largest. */
  readonly statisticLocation: number;
  /** +1 when the first sample's ECDF is above the second's there, −1 otherwise. */
  readonly statisticSign: 1 | -1;
}

/** Above this size 'auto' uses the asymptotic p-value (scipy's `MAX_AUTO_N`). */
export const KS_MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy's round half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Two-sample Kolmogorov-Smirnov test, matching `scipy.stats.ks_2samp(x, y, alternative, method)` (scipy 1.17).
 *
 * Statistic: D = sup_t |F_m(t) − G_n(t)| (or the one-sided D⁺ = sup(F − G), D⁻ = sup(G − F)), with
 * right-continuous ECDFs F(t) = #{xᵢ ≤ t}/m evaluated at every pooled value, found by one merge pass over the
 * sorted samples (O(m + n) once sorted; pass {@link sortSample} results to sort a reference once).
 *
 * p-value ('auto'): exact when max(m, n) ≤ 10,000, else asymptotic.
 * - exact, two-sided: lattice-path counting (Hodges 1958; {@link probOutsideBand}, {@link probOutsideSquare}) at
 *   h = round(D·lcm(m,n)), and D is reported as h/lcm;
 * - asymp, two-sided: `kstwo.sf(D, round(m·n/(m+n)))`, the exact one-sample distribution at the effective size
 *   (not the Kolmogorov limit);
 * - asymp, one-sided: Hodges' approximation exp(−2z² − 2z(m+2n)/√(mn(m+n))/3), z = √(mn/(m+n))·D, m the larger.
 * 'exact' falls back to 'asymp' when lcm(m, n) is too large or the count overflows, as scipy does (flagged in
 * the result instead of a warning).
 *
 * @example
 * const r = ks2Samp([0.1, 0.4, 0.7], [0.2, 0.9, 1.3, 1.8]);
 * r.statistic; r.pValue; r.method // 'exact'
 */
export function ks2Samp(x: SampleInput, y: SampleInput, options: KsOptions = {}): KsResult {
  const xs = sortSample(x, 'x');
  const ys = sortSample(y, 'y');
  requireSize(xs, 1, 'x', 'ks_2samp');
  requireSize(ys, 1, 'y', 'ks_2samp');
  return ksFromScan(scanEcdfs(xs.values, ys.values, false), xs.values.length, ys.values.length, options);
}

/**
 * The KS statistic and p-value from an ECDF scan of two sorted samples of sizes n1 and n2 ({@link scanEcdfs}):
 * what {@link ks2Samp} does after its merge pass, for callers that scanned once for several statistics.
 */
export function ksFromScan(scan: EcdfScan, n1: number, n2: number, options: KsOptions = {}): KsResult {
  const alternative = options.alternative ?? 'two-sided';
  const requested = options.method ?? 'auto';
  const { maxDiff: maxS, maxLocX, maxLocY, minDiff, minLocX, minLocY } = scan;
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  let d: number;
  let location: number;
  let sign: 1 | -1;
  if (alternative === 'less' || (alternative === 'two-sided' && minS > maxS)) {
    d = minS;
    location = Number.isNaN(minLocX) ? minLocY : minLocX;
    sign = -1;
  } else {
    d = maxS;
    location = Number.isNaN(maxLocX) ? maxLocY : maxLocX;
    sign = 1;
  }

  const g = gcd(n1, n2);
  const n1g = n1 / g;
  const n2g = n2 / g;
  let method: 'exact' | 'asymp' =
    requested === 'auto' ? (Math.max(n1, n2) <= KS_MAX_AUTO_N ? 'exact' : 'asymp') : requested;
  let fellBack = false;
  if (requested === 'exact' && n1g >= INT32_MAX / n2g) {
    method = 'asymp';
    fellBack = true;
  }
  let prob = NaN;
  if (method === 'exact') {
    const attempt = exactProbability(n1, n2, g, d, alternative);
    d = attempt.d;
    if (attempt.ok) prob = attempt.p;
    else {
      method = 'asymp';
      fellBack = true;
    }
  }
  if (method === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    if (alternative === 'two-sided') {
      prob = kstwoSf(d, roundHalfEven(en));
    } else {
      const z = Math.sqrt(en) * d;
      const expt = -2 * z * z - (2 * z * (m + 2 * n)) / Math.sqrt(m * n * (m + n)) / 3;
      prob = Math.exp(expt);
    }
  }
  return {
    statistic: d,
    pValue: Math.min(Math.max(prob, 0), 1),
    method,
    fellBackToAsymptotic: fellBack,
    statisticLocation: location,
    statisticSign: sign,
  };
}

function exactProbability(
  n1: number,
  n2: number,
  g: number,
  d: number,
  alternative: Alternative,
): { ok: boolean; d: number; p: number } {
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dd = h / lcm;
  if (h === 0) return { ok: true, d: dd, p: 1 };
  let p: number;
  if (alternative === 'two-sided') {
    p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  } else if (n1 === n2) {
    p = 1;
    for (let j = 0; j < h; j++) p *= (n1 - j) / (n1 + j + 1);
  } else {
    const paths = countPathsOutside(n1, n2, g, h);
    const total = binomial(n1 + n2, n1);
    if (!Number.isFinite(paths) || !Number.isFinite(total) || paths > total)
      return { ok: false, d: dd, p: NaN };
    p = paths / total;
  }
  if (!(p >= 0 && p <= 1)) return { ok: false, d: dd, p };
  return { ok: true, d: dd, p };
}

/** Parses a KS method name from configuration. */
export function parseKsMethod(value: string): KsMethod {
  if (value === 'auto' || value === 'exact' || value === 'asymp') return value;
  throw new InvalidParameterError(`KS method must be 'auto', 'exact' or 'asymp', got '${value}'`);
}
