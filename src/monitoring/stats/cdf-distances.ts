import { variance } from './numeric/pairwise-sum.js';
import { requireFinite, requireSize, sortSample, type SampleInput } from './numeric/sample.js';

/**
 * Distances between the empirical distributions of two samples, from the integral of their ECDF difference:
 * scipy's `_cdf_distance`. One merge pass over the two sorted samples, O(m + n) after sorting.
 */

/** ∫ |F − G|^p dt over the pooled range, as a Neumaier-compensated sum over consecutive distinct pooled values. */
function cdfDistanceIntegral(a: Float64Array, b: Float64Array, p: 1 | 2): number {
  const m = a.length;
  const n = b.length;
  let i = 0;
  let j = 0;
  let sum = 0;
  let comp = 0;
  let prev = NaN;
  let prevDiff = 0;
  while (i < m || j < n) {
    const v = j >= n || (i < m && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    if (!Number.isNaN(prev)) {
      const term = p === 1 ? prevDiff * (v - prev) : prevDiff * prevDiff * (v - prev);
      const t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
      sum = t;
    }
    while (i < m && a[i]! === v) i++;
    while (j < n && b[j]! === v) j++;
    prevDiff = Math.abs(i / m - j / n);
    prev = v;
  }
  return sum + comp;
}

/** Both samples sorted, non-empty and finite, as the distances need them. */
export function prepareDistanceSamples(
  x: SampleInput,
  y: SampleInput,
  what: string,
): [Float64Array, Float64Array] {
  const xs = sortSample(x, 'x');
  const ys = sortSample(y, 'y');
  requireSize(xs, 1, 'x', what);
  requireSize(ys, 1, 'y', what);
  requireFinite(xs, 'x', what);
  requireFinite(ys, 'y', what);
  return [xs.values, ys.values];
}

/**
 * First Wasserstein (earth mover's) distance between two samples, `scipy.stats.wasserstein_distance(x, y)`:
 * W₁ = ∫ |F_m(t) − G_n(t)| dt = Σ_k |F_m(z_k) − G_n(z_k)|·(z_{k+1} − z_k) over the sorted pooled values z.
 * In the units of the data; symmetric; 0 for identical samples.
 *
 * @example wassersteinDistance([0, 1, 3], [5, 6, 8]) // 5
 */
export function wassersteinDistance(x: SampleInput, y: SampleInput): number {
  const [a, b] = prepareDistanceSamples(x, y, 'wasserstein_distance');
  return cdfDistanceIntegral(a, b, 1);
}

/**
 * Evidently's normalised Wasserstein distance (its default drift score for numeric columns with more than 1,000
 * reference rows): W₁(reference, current) / max(σ_ref, 0.001), with σ_ref the population standard deviation
 * (ddof = 0, `np.std`) of the reference only. Unitless: a pure mean shift of 0.1·σ scores 0.1. Not symmetric
 * (the reference's σ is used), as in Evidently 0.7 (`wasserstein_distance_norm.py`).
 */
export function wassersteinDistanceNormed(reference: SampleInput, current: SampleInput): number {
  const [a, b] = prepareDistanceSamples(reference, current, 'wasserstein_distance_norm');
  // np.std sums in the caller's order; raw input keeps that order, a SortedSample only has the sorted one (the
  // two differ in the last bits at most).
  const raw: ArrayLike<number> = isPlain(reference) ? reference : a;
  const std = Math.sqrt(variance(raw, 0));
  return cdfDistanceIntegral(a, b, 1) / Math.max(std, 0.001);
}

/** True for raw values (an array or typed array), false for a {@link SortedSample}. */
export function isPlain(s: SampleInput): s is ArrayLike<number> {
  return (s as { kind?: unknown }).kind !== 'sorted-sample';
}

/**
 * Energy distance between two samples, `scipy.stats.energy_distance(x, y)`:
 * D = (2E|X−Y| − E|X−X'| − E|Y−Y'|)^½ = √2 · (∫ (F_m − G_n)² dt)^½ (Székely & Rizzo 2013; Rizzo & Székely 2016).
 * Symmetric, 0 for identical samples, in the units of √data.
 */
export function energyDistance(x: SampleInput, y: SampleInput): number {
  const [a, b] = prepareDistanceSamples(x, y, 'energy_distance');
  return Math.SQRT2 * Math.sqrt(cdfDistanceIntegral(a, b, 2));
}
