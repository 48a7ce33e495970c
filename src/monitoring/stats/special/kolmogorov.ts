import { logGamma } from './gamma.js';

/**
 * The limiting and one-sided Kolmogorov-Smirnov distributions, after scipy's xsf `cephes/kolmogorov.h`
 * (van Mulbregt, arXiv:1803.00426 and arXiv:1802.06966).
 */

/**
 * Survival function of the limiting Kolmogorov distribution, P(K > x) with K = lim √n·D_n (scipy
 * `special.kolmogorov`, `stats.kstwobign.sf`). Two series, switching at x = 0.82 as Cephes does.
 *
 * @example kolmogorovSf(1.3580986393225505) // ≈ 0.05
 */
export function kolmogorovSf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x <= Math.PI / Math.sqrt(746 * 8)) return 1;
  if (x <= 0.82) {
    const w = Math.sqrt(2 * Math.PI) / x;
    const logu8 = (-Math.PI * Math.PI) / (x * x);
    const u = Math.exp(logu8 / 8);
    let cdf: number;
    if (u === 0) {
      cdf = Math.exp(logu8 / 8 + Math.log(w));
    } else {
      const u8 = Math.exp(logu8);
      const u8cub = Math.pow(u8, 3);
      let p = 1;
      p = 1 + u8cub * p;
      p = 1 + u8 * u8 * p;
      p = 1 + u8 * p;
      cdf = w * u * p;
    }
    return Math.min(Math.max(1 - cdf, 0), 1);
  }
  const v = Math.exp(-2 * x * x);
  const vsq = v * v;
  const v3 = Math.pow(v, 3);
  let p = 1;
  p = 1 - v3 * v3 * v * p;
  p = 1 - v3 * vsq * p;
  p = 1 - v3 * p;
  return Math.min(Math.max(2 * v * p, 0), 1);
}

/**
 * Survival function of the one-sided Kolmogorov-Smirnov statistic D⁺_n, P(D⁺_n ≥ x) (scipy
 * `special.smirnov(n, x)`), from the Birnbaum-Tingey / Smirnov sum
 * P = x·Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v).
 * Cephes sums the terms in double-double; here each term is evaluated in log space (log-gamma binomials, log1p),
 * which keeps about 12 significant digits for n up to 10⁶, and the sum stops as Cephes' does once the remaining
 * terms cannot change it. Above n = 10⁶ Cephes' own approximation exp(−(6nx+1)²/18n) is used.
 */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0) || !(x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  let nxfl = Math.floor(nx);
  let alpha = nx - nxfl;
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) n1mxfl -= 1;
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const t = Math.pow(1 + x, n - 1);
    return 1 - x * t;
  }
  if (-2 * n * x * x < -745.1332191019412) return 0;
  if (nxfl >= n - 1) return Math.pow(1 - x, n);
  if (n > 1000000) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  const lgn1 = logGamma(n + 1);
  const nTerms = n1mxfl + 1;
  let sum = 0;
  for (let v = 0; v < nTerms; v++) {
    const logC = lgn1 - logGamma(v + 1) - logGamma(n - v + 1);
    const logT2 = (n - v) * Math.log1p(-x - v / n);
    const logT1 = v === 0 ? -Math.log(x) : (v - 1) * Math.log(x + v / n);
    const term = Math.exp(logC + logT1 + logT2);
    sum += term;
    if (term !== 0) {
      if (4 * (nTerms - v) * term < Number.EPSILON * sum && v !== nTerms - 1) break;
    } else if (v > n / 2) break;
  }
  return Math.min(Math.max(x * sum, 0), 1);
}
