import { isPlain, prepareDistanceSamples } from './cdf-distances.js';
import { ksFromScan, type KsOptions, type KsResult } from './ks-two-sample.js';
import { scanEcdfs } from './numeric/ecdf-scan.js';
import { variance } from './numeric/pairwise-sum.js';
import type { SampleInput } from './numeric/sample.js';

/** Both statistics of {@link ksAndWasserstein}. */
export interface KsWassersteinResult {
  /** What {@link ks2Samp} returns for the same samples. */
  readonly ks: KsResult;
  /** What `wassersteinDistance(reference, current)` returns. */
  readonly wasserstein: number;
  /** What `wassersteinDistanceNormed(reference, current)` returns (Evidently's normed form). */
  readonly wassersteinNormed: number;
}

/**
 * The two-sample KS test and the (normed) first Wasserstein distance of the same two samples from one merge pass
 * over them (instead of one per statistic), each bit for bit what {@link ks2Samp} and `wassersteinDistance` /
 * `wassersteinDistanceNormed` return. Pass {@link SortedSample}s to sort each side once. The distances are
 * undefined for infinite values, so they are refused here (KS alone accepts them).
 *
 * @example
 * const { ks, wassersteinNormed } = ksAndWasserstein(sortSample(ref), sortSample(cur));
 */
export function ksAndWasserstein(
  reference: SampleInput,
  current: SampleInput,
  options: KsOptions = {},
): KsWassersteinResult {
  const [a, b] = prepareDistanceSamples(reference, current, 'ks_2samp and wasserstein_distance');
  const scan = scanEcdfs(a, b, true);
  const raw: ArrayLike<number> = isPlain(reference) ? reference : a;
  const std = Math.sqrt(variance(raw, 0));
  return {
    ks: ksFromScan(scan, a.length, b.length, options),
    wasserstein: scan.l1Integral,
    wassersteinNormed: scan.l1Integral / Math.max(std, 0.001),
  };
}
