/**
 * numpy's pairwise summation (`numpy/_core/src/umath/loops_utils.h.src`, `pairwise_sum`): blocks of at most 128
 * values summed with eight interleaved accumulators, larger ranges split in two (the split point a multiple of 8).
 * Its rounding error grows like O(log n · ε) instead of O(n · ε), and using the same order as numpy keeps our sums
 * within an ulp or two of `np.sum`/`np.mean` on the same data, which the scipy golden cases rely on.
 *
 * @example pairwiseSum(Float64Array.of(0.1, 0.2, 0.3)) // same bits as np.sum([0.1, 0.2, 0.3])
 */
export function pairwiseSum(values: ArrayLike<number>, start = 0, end = values.length): number {
  const n = end - start;
  if (n < 8) {
    let res = 0;
    for (let i = start; i < end; i++) res += values[i]!;
    return res;
  }
  if (n <= 128) {
    let r0 = values[start]!;
    let r1 = values[start + 1]!;
    let r2 = values[start + 2]!;
    let r3 = values[start + 3]!;
    let r4 = values[start + 4]!;
    let r5 = values[start + 5]!;
    let r6 = values[start + 6]!;
    let r7 = values[start + 7]!;
    const blockEnd = start + n - (n % 8);
    let i = start + 8;
    for (; i < blockEnd; i += 8) {
      r0 += values[i]!;
      r1 += values[i + 1]!;
      r2 += values[i + 2]!;
      r3 += values[i + 3]!;
      r4 += values[i + 4]!;
      r5 += values[i + 5]!;
      r6 += values[i + 6]!;
      r7 += values[i + 7]!;
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < end; i++) res += values[i]!;
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, start, start + half) + pairwiseSum(values, start + half, end);
}

/** Arithmetic mean with numpy's pairwise summation (`np.mean`). */
export function mean(values: ArrayLike<number>): number {
  return pairwiseSum(values) / values.length;
}

/**
 * Variance with `ddof` delta degrees of freedom, computed the way numpy does (`np.var`): the mean first, then the
 * pairwise sum of squared deviations. ddof=0 is the population variance (`np.std`²), ddof=1 the sample variance.
 */
export function variance(values: ArrayLike<number>, ddof = 0): number {
  const n = values.length;
  const m = mean(values);
  return pairwiseSumOfSquaredDeviations(values, m, 0, n) / (n - ddof);
}

/**
 * {@link pairwiseSum} of (vᵢ − m)² without materialising the squares: the same blocks, accumulators and split
 * points, each square computed as it is added, so the result has the bits of `pairwiseSum(squares)` (JavaScript
 * never fuses the multiply and the add) at no n-sized allocation.
 */
function pairwiseSumOfSquaredDeviations(
  values: ArrayLike<number>,
  m: number,
  start: number,
  end: number,
): number {
  const n = end - start;
  if (n < 8) {
    let res = 0;
    for (let i = start; i < end; i++) {
      const d = values[i]! - m;
      res += d * d;
    }
    return res;
  }
  if (n <= 128) {
    const sq = (i: number): number => {
      const d = values[i]! - m;
      return d * d;
    };
    let r0 = sq(start);
    let r1 = sq(start + 1);
    let r2 = sq(start + 2);
    let r3 = sq(start + 3);
    let r4 = sq(start + 4);
    let r5 = sq(start + 5);
    let r6 = sq(start + 6);
    let r7 = sq(start + 7);
    const blockEnd = start + n - (n % 8);
    let i = start + 8;
    for (; i < blockEnd; i += 8) {
      r0 += sq(i);
      r1 += sq(i + 1);
      r2 += sq(i + 2);
      r3 += sq(i + 3);
      r4 += sq(i + 4);
      r5 += sq(i + 5);
      r6 += sq(i + 6);
      r7 += sq(i + 7);
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < end; i++) res += sq(i);
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return (
    pairwiseSumOfSquaredDeviations(values, m, start, start + half) +
    pairwiseSumOfSquaredDeviations(values, m, start + half, end)
  );
}
