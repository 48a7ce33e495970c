/**
 * One merge pass over two sorted samples, visiting each distinct pooled value once, that yields what both the
 * two-sample Kolmogorov-Smirnov test and the first Wasserstein distance need: the extremes of F_m − G_n (with
 * where scipy places them) and, on request, ∫ |F_m − G_n| dt. A drift check that wants both statistics (the
 * benchmark, a monitor computing KS and Wasserstein on one column) pays for one pass instead of two; each
 * statistic alone gives the same bits as before, because the arithmetic is the same in the same order.
 */

/** The result of {@link scanEcdfs}. */
export interface EcdfScan {
  /** max over pooled values of F_m − G_n (−Infinity for empty input). */
  readonly maxDiff: number;
  readonly maxLocX: number;
  readonly maxLocY: number;
  /** min over pooled values of F_m − G_n. */
  readonly minDiff: number;
  readonly minLocX: number;
  readonly minLocY: number;
  /** ∫ |F_m − G_n| dt (Neumaier-compensated), NaN unless asked for. */
  readonly l1Integral: number;
}

/**
 * Scans the ascending samples `a` (size m) and `b` (size n). Ties within and across samples are one pooled value
 * (−0 and +0 too); F(t) = #{aᵢ ≤ t}/m is right-continuous. `withIntegral` adds the L1 integral of the ECDF
 * difference (scipy's `_cdf_distance` with p = 1).
 */
export function scanEcdfs(a: Float64Array, b: Float64Array, withIntegral: boolean): EcdfScan {
  const n1 = a.length;
  const n2 = b.length;
  let maxS = -Infinity;
  let maxLocX = NaN;
  let maxLocY = NaN;
  let minDiff = Infinity;
  let minLocX = NaN;
  let minLocY = NaN;
  let sum = 0;
  let comp = 0;
  let prev = NaN;
  let prevDiff = 0;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    if (withIntegral && !Number.isNaN(prev)) {
      const term = prevDiff * (v - prev);
      const t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
      sum = t;
    }
    let inX = false;
    let inY = false;
    while (i < n1 && a[i]! === v) {
      i++;
      inX = true;
    }
    while (j < n2 && b[j]! === v) {
      j++;
      inY = true;
    }
    const diff = i / n1 - j / n2;
    prevDiff = Math.abs(diff);
    prev = v;
    // scipy takes argmax/argmin over concat(sorted x, sorted y): the first x value reaching the extreme wins,
    // then the first y value.
    if (diff > maxS) {
      maxS = diff;
      maxLocX = inX ? v : NaN;
      maxLocY = inY ? v : NaN;
    } else if (diff === maxS) {
      if (inX && Number.isNaN(maxLocX)) maxLocX = v;
      if (inY && Number.isNaN(maxLocY)) maxLocY = v;
    }
    if (diff < minDiff) {
      minDiff = diff;
      minLocX = inX ? v : NaN;
      minLocY = inY ? v : NaN;
    } else if (diff === minDiff) {
      if (inX && Number.isNaN(minLocX)) minLocX = v;
      if (inY && Number.isNaN(minLocY)) minLocY = v;
    }
  }
  return {
    maxDiff: maxS,
    maxLocX,
    maxLocY,
    minDiff,
    minLocX,
    minLocY,
    l1Integral: withIntegral ? sum + comp : NaN,
  };
}
