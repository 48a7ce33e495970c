/**
 * Midranks of two sorted samples in their pooled sample (scipy `rankdata(method='average')` on the
 * concatenation), computed by one merge pass. Ties share the mean of the ranks they span.
 */
export interface PooledRanks {
  /** Midrank of each value of the first sample, in its sorted order. */
  readonly ranksX: Float64Array;
  /** Midrank of each value of the second sample, in its sorted order. */
  readonly ranksY: Float64Array;
  /** Size of every group of tied values (1 for an untied value), in ascending value order. */
  readonly tieCounts: Float64Array;
}

export function pooledRanks(a: Float64Array, b: Float64Array): PooledRanks {
  const m = a.length;
  const n = b.length;
  const ranksX = new Float64Array(m);
  const ranksY = new Float64Array(n);
  const ties: number[] = [];
  let i = 0;
  let j = 0;
  let before = 0;
  while (i < m || j < n) {
    const v = j >= n || (i < m && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    const i0 = i;
    const j0 = j;
    while (i < m && a[i]! === v) i++;
    while (j < n && b[j]! === v) j++;
    const count = i - i0 + (j - j0);
    const midrank = before + (count + 1) / 2;
    ranksX.fill(midrank, i0, i);
    ranksY.fill(midrank, j0, j);
    ties.push(count);
    before += count;
  }
  return { ranksX, ranksY, tieCounts: Float64Array.from(ties) };
}
