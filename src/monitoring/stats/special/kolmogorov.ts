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

/** lnΓ(k+1) − [k ln k − k + ½ ln(2πk)] (Stirling's remainder), for integer k ≥ 1. */
function stirlingError(k: number): number {
  if (k < 16) return logGamma(k + 1) - (k * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI * k));
  const k2 = k * k;
  return (1 / 12 - (1 / 360 - (1 / 1260 - 1 / (1680 * k2)) / k2) / k2) / k;
}

/**
 * ln of the v-th term C(n,v)·(x + v/n)^(v−1)·(1 − x − v/n)^(n−v) of the Smirnov sum, arranged so that the huge
 * parts cancel analytically: with p = v/n,
 * v·log1p(x/p) + (n−v)·log1p(−x/(1−p)) − ln(x+p) + ½ ln(n/(2πv(n−v))) + s(n) − s(v) − s(n−v), s = Stirling's
 * remainder. Its rounding error is about (n·x)·ε instead of ln Γ(n)·ε.
 */
function logSmirnovTerm(n: number, x: number, nx: number, v: number): number {
  if (v === 0) return -Math.log(x) + n * Math.log1p(-x);
  const p = v / n;
  return (
    v * Math.log1p(nx / v) +
    (n - v) * Math.log1p(-nx / (n - v)) -
    Math.log(x + p) +
    0.5 * Math.log(n / (2 * Math.PI * v * (n - v))) +
    stirlingError(n) -
    stirlingError(v) -
    stirlingError(n - v)
  );
}

/**
 * Survival function of the one-sided Kolmogorov-Smirnov statistic D⁺_n, P(D⁺_n ≥ x) (scipy
 * `special.smirnov(n, x)`), from the Birnbaum-Tingey / Smirnov sum
 * P = x·Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v).
 * Cephes adds the terms from v = 0 in double-double arithmetic. Here each term is evaluated in log space in a
 * form that keeps about 13 significant digits ({@link logSmirnovTerm}); the terms are unimodal in v, so the sum
 * starts at the largest and walks outwards until the rest cannot change it (Cephes' own stopping rule), which
 * costs O(√n) terms instead of O(n). Above n = 10⁶ Cephes' approximation exp(−(6nx+1)²/18n) is used.
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
  if (-2 * n * x * x < -7.451332191019412e2) return 0;
  if (nxfl >= n - 1) return Math.pow(1 - x, n);
  if (n > 1000000) {
    const logp = -Math.pow(6 * n * x + 1, 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }
  const last = n1mxfl; // terms v = 0 … last
  // Ternary search for the largest term (the log-terms are concave in v).
  let lo = 0;
  let hi = last;
  while (hi - lo > 2) {
    const m1 = lo + Math.floor((hi - lo) / 3);
    const m2 = hi - Math.floor((hi - lo) / 3);
    if (logSmirnovTerm(n, x, nx, m1) < logSmirnovTerm(n, x, nx, m2)) lo = m1 + 1;
    else hi = m2 - 1;
  }
  let peak = lo;
  let peakLog = logSmirnovTerm(n, x, nx, lo);
  for (let v = lo + 1; v <= hi; v++) {
    const l = logSmirnovTerm(n, x, nx, v);
    if (l > peakLog) {
      peak = v;
      peakLog = l;
    }
  }
  // Sum relative to the peak (scaled by e^−peakLog so nothing underflows), outwards on both sides.
  let sum = 1;
  for (let v = peak + 1; v <= last; v++) {
    const term = Math.exp(logSmirnovTerm(n, x, nx, v) - peakLog);
    sum += term;
    if (4 * (last - v + 1) * term < Number.EPSILON * sum) break;
  }
  for (let v = peak - 1; v >= 0; v--) {
    const term = Math.exp(logSmirnovTerm(n, x, nx, v) - peakLog);
    sum += term;
    if (4 * (v + 1) * term < Number.EPSILON * sum) break;
  }
  return Math.min(Math.max(x * Math.exp(peakLog) * sum, 0), 1);
}
