import { InvalidParameterError } from '../../shared/index.js';
import { mean, pairwiseSum, variance } from './numeric/pairwise-sum.js';
import { lowerBound, sortSample, type SampleInput } from './numeric/sample.js';

/**
 * numpy's automatic histogram bin rules (`numpy.histogram_bin_edges(a, bins=RULE)`, numpy 2.4): each rule gives a
 * bin width h, the number of bins is ⌈(max − min)/h⌉ (1 when h = 0), and the edges are equally spaced over
 * [min, max] as `np.linspace` lays them out.
 *
 * - sturges: h = range/(log₂ n + 1) — Evidently's binning for PSI/KL/JS;
 * - doane: h = range/(1 + log₂ n + log₂(1 + |g₁|/σ_g₁)), g₁ the sample skewness, σ_g₁ = √(6(n−2)/((n+1)(n+3))) —
 *   NannyML's;
 * - fd (Freedman-Diaconis): h = 2·IQR·n^(−1/3);
 * - scott: h = (24√π/n)^(1/3)·σ;
 * - rice: h = range/(2·n^(1/3));
 * - sqrt: h = range/√n;
 * - stone: the bin count in 1…max(100, √n) minimising Stone's leave-one-out risk estimate;
 * - auto: min(sturges, max(fd, sqrt/2)).
 */
export type BinRule = 'auto' | 'fd' | 'sturges' | 'scott' | 'rice' | 'sqrt' | 'doane' | 'stone';

const RULES: readonly BinRule[] = ['auto', 'fd', 'sturges', 'scott', 'rice', 'sqrt', 'doane', 'stone'];

/** Parses a bin rule name from configuration. */
export function parseBinRule(value: string): BinRule {
  if ((RULES as readonly string[]).includes(value)) return value as BinRule;
  throw new InvalidParameterError(`bin rule must be one of ${RULES.join(', ')}; got '${value}'`);
}

/** Linear-interpolation percentile of sorted data (`np.percentile(x, q)`, method 'linear'). */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const virtual = (n - 1) * (q / 100);
  const lo = Math.floor(virtual);
  const hi = Math.min(lo + 1, n - 1);
  const t = virtual - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Equally spaced edges as `np.linspace(start, stop, num)` computes them (the last one set to `stop`). */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** Counts per bin of ascending `edges`, the last bin closed (`np.histogram(x, edges)[0]`); values outside are dropped. */
export function histogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const counts = new Float64Array(edges.length - 1);
  let prev = lowerBound(sorted, edges[0]!);
  for (let i = 1; i < edges.length; i++) {
    let pos = lowerBound(sorted, edges[i]!, prev);
    if (i === edges.length - 1) {
      while (pos < sorted.length && sorted[pos]! <= edges[i]!) pos++;
    }
    counts[i - 1] = pos - prev;
    prev = pos;
  }
  return counts;
}

function ptp(sorted: Float64Array): number {
  return sorted[sorted.length - 1]! - sorted[0]!;
}

function binWidth(rule: BinRule, sorted: Float64Array, raw: Float64Array): number {
  const n = sorted.length;
  switch (rule) {
    case 'sqrt':
      return ptp(sorted) / Math.sqrt(n);
    case 'sturges':
      return ptp(sorted) / (Math.log2(n) + 1);
    case 'rice':
      return ptp(sorted) / (2 * n ** (1 / 3));
    case 'scott':
      return ((24 * Math.PI ** 0.5) / n) ** (1 / 3) * Math.sqrt(variance(raw, 0));
    case 'doane': {
      if (n <= 2) return 0;
      const sg1 = Math.sqrt((6 * (n - 2)) / ((n + 1) * (n + 3)));
      const sigma = Math.sqrt(variance(raw, 0));
      if (!(sigma > 0)) return 0;
      const m = mean(raw);
      const cubes = new Float64Array(n);
      for (let i = 0; i < n; i++) cubes[i] = ((raw[i]! - m) / sigma) ** 3;
      const g1 = pairwiseSum(cubes) / n;
      return ptp(sorted) / (1 + Math.log2(n) + Math.log2(1 + Math.abs(g1) / sg1));
    }
    case 'fd': {
      const iqr = percentileSorted(sorted, 75) - percentileSorted(sorted, 25);
      return 2 * iqr * n ** (-1 / 3);
    }
    case 'auto': {
      const fd = binWidth('fd', sorted, raw);
      const sturges = binWidth('sturges', sorted, raw);
      const sqrt = binWidth('sqrt', sorted, raw);
      return Math.min(Math.max(fd, sqrt / 2), sturges);
    }
    case 'stone': {
      const range = ptp(sorted);
      if (n <= 1 || range === 0) return 0;
      const upper = Math.max(100, Math.trunc(Math.sqrt(n)));
      let best = 1;
      let bestRisk = Infinity;
      for (let nbins = 1; nbins <= upper; nbins++) {
        const counts = histogramCounts(sorted, linspace(sorted[0]!, sorted[n - 1]!, nbins + 1));
        let dot = 0;
        for (let i = 0; i < counts.length; i++) dot += (counts[i]! / n) ** 2;
        const risk = (2 - (n + 1) * dot) / (range / nbins);
        if (risk < bestRisk) {
          bestRisk = risk;
          best = nbins;
        }
      }
      return range / best;
    }
  }
}

/**
 * Bin edges for `values` by a named rule, matching `np.histogram_bin_edges(values, bins=rule)`. A constant sample
 * gets one bin [v − ½, v + ½], as numpy does; NaN and ±Infinity are refused.
 *
 * @example histogramBinEdges(values, 'sturges').length - 1 // number of bins
 */
export function histogramBinEdges(values: SampleInput, rule: BinRule): Float64Array {
  const s = sortSample(values, 'values');
  const sorted = s.values;
  const n = sorted.length;
  if (n > 0 && (!Number.isFinite(sorted[0]!) || !Number.isFinite(sorted[n - 1]!))) {
    throw new InvalidParameterError('histogram_bin_edges: the range of the values is not finite');
  }
  let first = n === 0 ? 0 : sorted[0]!;
  let last = n === 0 ? 1 : sorted[n - 1]!;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let nBins = 1;
  if (n > 0) {
    const raw =
      (values as { kind?: unknown }).kind === 'sorted-sample'
        ? sorted
        : Float64Array.from(values as ArrayLike<number>);
    const width = binWidth(rule, sorted, raw);
    if (width) nBins = Math.ceil((last - first) / width);
  }
  return linspace(first, last, nBins + 1);
}
