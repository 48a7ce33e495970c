import { histogramBinEdges, histogramCounts } from '../histogram-bins.js';
import type { ColumnType } from './column-types.js';
import { categoryKey, sortedCategoryKeys, type Category } from './categories.js';

/** Bin shares of reference and current over the same bins. */
export interface BinnedShares {
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

/** Above this many distinct reference values a numerical column is binned by Sturges' rule instead of by value. */
export const EVIDENTLY_VALUE_BINS_MAX_UNIQUE = 20;

/**
 * Evidently's `get_binned_data` (`legacy/calculations/stattests/utils.py`): a numerical column with more than 20
 * distinct reference values is cut into equal-width Sturges bins over the pooled min–max
 * (`np.histogram_bin_edges(concat(ref, cur), 'sturges')`); anything else gets one bin per distinct value of
 * reference ∪ current. Shares are counts divided by the side's size, no smoothing (see `smoothZeroShares`).
 */
export function evidentlyBinnedShares(
  reference: readonly Category[],
  current: readonly Category[],
  type: ColumnType,
): BinnedShares {
  const refDistinct = new Set(reference.map(categoryKey));
  if (type === 'numerical' && refDistinct.size > EVIDENTLY_VALUE_BINS_MAX_UNIQUE) {
    const ref = Float64Array.from(reference as readonly number[]).sort();
    const cur = Float64Array.from(current as readonly number[]).sort();
    const pooled = new Float64Array(ref.length + cur.length);
    pooled.set(ref);
    pooled.set(cur, ref.length);
    const edges = histogramBinEdges(pooled, 'sturges');
    const rc = histogramCounts(ref, edges);
    const cc = histogramCounts(cur, edges);
    return { reference: rc.map((c) => c / ref.length), current: cc.map((c) => c / cur.length) };
  }
  const keys = sortedCategoryKeys([...reference, ...current]);
  const index = new Map(keys.map((k, i) => [categoryKey(k), i]));
  const rc = new Float64Array(keys.length);
  const cc = new Float64Array(keys.length);
  for (const v of reference) rc[index.get(categoryKey(v))!]! += 1;
  for (const v of current) cc[index.get(categoryKey(v))!]! += 1;
  return { reference: rc.map((c) => c / reference.length), current: cc.map((c) => c / current.length) };
}

/**
 * Evidently's `hellinger` on a numerical column (`hellinger_distance.py`): Sturges edges over the **distinct**
 * values of reference ∪ current (not over the rows), density histograms of each side on those edges, then
 * H = √(1 − clip(Σ √(h₁h₂)·w, 0, 1)) with w the mean bin width.
 */
export function evidentlyNumericHellinger(reference: readonly number[], current: readonly number[]): number {
  const keys = Float64Array.from(new Set([...reference, ...current])).sort();
  const edges = histogramBinEdges(keys, 'sturges');
  const density = (values: readonly number[]): Float64Array => {
    const sorted = Float64Array.from(values).sort();
    const counts = histogramCounts(sorted, edges);
    let total = 0;
    for (let i = 0; i < counts.length; i++) total += counts[i]!;
    return counts.map((c, i) => c / (edges[i + 1]! - edges[i]!) / total);
  };
  const h1 = density(reference);
  const h2 = density(current);
  const width = (edges[edges.length - 1]! - edges[0]!) / (edges.length - 1);
  let s = 0;
  for (let i = 0; i < h1.length; i++) s += Math.sqrt(h1[i]! * h2[i]!) * width;
  return Math.sqrt(1 - Math.min(Math.max(s, 0), 1));
}
