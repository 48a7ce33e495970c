import { InvalidParameterError } from '../../shared/index.js';
import { logGamma } from './special/gamma.js';
import type { Alternative, TestResult } from './types.js';

/** A 2×2 table of counts: [[a, b], [c, d]]. */
export type Table2x2 = readonly [readonly [number, number], readonly [number, number]];

/** ln C(n, k). */
function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * The hypergeometric distribution of the top-left cell given the margins: population M, n successes in it,
 * N draws (scipy's `hypergeom(M, n, N)`). pmf from log-binomials (about 1e-13 relative), cdf and sf as sums of
 * the pmf over the shorter side.
 */
class Hypergeometric {
  private readonly lo: number;
  private readonly hi: number;
  private readonly logTotal: number;

  constructor(
    private readonly M: number,
    private readonly n: number,
    private readonly N: number,
  ) {
    this.lo = Math.max(0, N - (M - n));
    this.hi = Math.min(n, N);
    this.logTotal = logChoose(M, N);
  }

  pmf(k: number): number {
    if (k < this.lo || k > this.hi) return 0;
    return Math.exp(logChoose(this.n, k) + logChoose(this.M - this.n, this.N - k) - this.logTotal);
  }

  cdf(k: number): number {
    if (k < this.lo) return 0;
    if (k >= this.hi) return 1;
    let s = 0;
    for (let i = this.lo; i <= k; i++) s += this.pmf(i);
    return Math.min(s, 1);
  }

  /** P(X > k). */
  sf(k: number): number {
    if (k < this.lo) return 1;
    if (k >= this.hi) return 0;
    let s = 0;
    for (let i = this.hi; i > k; i--) s += this.pmf(i);
    return Math.min(s, 1);
  }
}

/** scipy's `_binary_search_for_binom_tst`: the i in [lo, hi] with a(i) ≤ d < a(i+1), a ascending there. */
function binarySearch(a: (x: number) => number, d: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const midval = a(mid);
    if (midval < d) lo = mid + 1;
    else if (midval > d) hi = mid - 1;
    else return mid;
  }
  return a(lo) <= d ? lo : lo - 1;
}

export interface FisherExactResult extends TestResult {
  /** The sample odds ratio ad/(bc) (the statistic; Infinity when bc = 0, NaN when a margin is zero). */
  readonly statistic: number;
}

/**
 * Fisher's exact test on a 2×2 table, matching `scipy.stats.fisher_exact(table, alternative)`. Conditional on the
 * margins, the top-left count is hypergeometric. Two-sided p (scipy's rule): the sum of the probabilities of all
 * tables no more likely than the observed one, found from the mode outwards by binary search, with a relative
 * tolerance of 1e-14 on "no more likely"; p = 1 when the observed table is the mode. A zero margin gives p = 1.
 *
 * @example fisherExact([[30, 70], [45, 75]]) // { statistic: 0.714…, pValue: 0.2565… }
 */
export function fisherExact(table: Table2x2, alternative: Alternative = 'two-sided'): FisherExactResult {
  const cells = [table[0][0], table[0][1], table[1][0], table[1][1]];
  for (const v of cells) {
    if (!Number.isInteger(v) || v < 0) {
      throw new InvalidParameterError(`fisher_exact: cells must be non-negative integers, got ${String(v)}`);
    }
  }
  const [c00, c01, c10, c11] = cells as [number, number, number, number];
  if (c00 + c01 === 0 || c10 + c11 === 0 || c00 + c10 === 0 || c01 + c11 === 0) {
    return { statistic: NaN, pValue: 1 };
  }
  const oddsratio = c10 > 0 && c01 > 0 ? (c00 * c11) / (c10 * c01) : Infinity;
  const n1 = c00 + c01;
  const n2 = c10 + c11;
  const n = c00 + c10;
  const h = new Hypergeometric(n1 + n2, n1, n);
  let p: number;
  switch (alternative) {
    case 'less':
      p = h.cdf(c00);
      break;
    case 'greater':
      p = new Hypergeometric(n1 + n2, n1, c01 + c11).cdf(c01);
      break;
    case 'two-sided': {
      const mode = Math.trunc(((n + 1) * (n1 + 1)) / (n1 + n2 + 2));
      const pexact = h.pmf(c00);
      const pmode = h.pmf(mode);
      const epsilon = 1e-14;
      const gamma = 1 + epsilon;
      if (Math.abs(pexact - pmode) / Math.max(pexact, pmode) <= epsilon)
        return { statistic: oddsratio, pValue: 1 };
      if (c00 < mode) {
        const plower = h.cdf(c00);
        if (h.pmf(n) > pexact * gamma) return { statistic: oddsratio, pValue: plower };
        const guess = binarySearch((x) => -h.pmf(x), -pexact * gamma, mode, n);
        p = plower + h.sf(guess);
      } else {
        const pupper = h.sf(c00 - 1);
        if (h.pmf(0) > pexact * gamma) return { statistic: oddsratio, pValue: pupper };
        const guess = binarySearch((x) => h.pmf(x), pexact * gamma, 0, mode);
        p = pupper + h.cdf(guess);
      }
      break;
    }
  }
  return { statistic: oddsratio, pValue: Math.min(p, 1) };
}
