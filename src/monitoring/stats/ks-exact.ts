import { binomial } from './special/gamma.js';

/**
 * Exact null distribution of the two-sample Kolmogorov-Smirnov statistic by counting lattice paths, ported from
 * scipy (`stats/_stats_py.py` `_compute_prob_outside_square`, `_count_paths_outside_method`, and
 * `stats/_stats_pythran.py` `_compute_outer_prob_inside_method`). Hodges (1958), "The significance probability of
 * the Smirnov two-sample test", Ark. Mat. 3; Viehmann (2021), arXiv:2102.08037 for the stable 1 − p recursion.
 */

/** P(D_{n,n} ≥ h/n) for equal sizes, by the alternating binomial series in Horner form. */
export function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm(m,n): the two-sided exact
 * p-value P(D ≥ h/lcm) for unequal sizes. Columns are rescaled as they are built, so no binomial overflows.
 */
export function probOutsideBand(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

/** Number of lattice paths that go below the diagonal by h (one-sided, unequal sizes); may overflow to Infinity. */
export function countPathsOutside(m: number, n: number, g: number, h: number): number {
  if (m < n) [m, n] = [n, m];
  const mg = m / g;
  const ng = n / g;
  const lxj = n + Math.floor((mg - h) / mg);
  if (lxj <= 0) return binomial(m + n, n);
  const xj = new Float64Array(lxj);
  for (let j = 0; j < lxj; j++) xj[j] = Math.floor((h + mg * j + ng - 1) / ng);
  const B = new Float64Array(lxj);
  B[0] = 1;
  for (let j = 1; j < lxj; j++) {
    let Bj = binomial(xj[j]! + j, j);
    for (let i = 0; i < j; i++) Bj -= binomial(xj[j]! - xj[i]! + j - i, j - i) * B[i]!;
    B[j] = Bj;
  }
  let numPaths = 0;
  for (let j = 0; j < lxj; j++) numPaths += B[j]! * binomial(m - xj[j]! + (n - j), n - j);
  return numPaths;
}
