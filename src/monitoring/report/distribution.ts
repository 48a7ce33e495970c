import { isMissing, type ColumnData } from '../stats/index.js';

/** At most this many bars per categorical plot; the rest are folded into one "other" bar. */
export const MAX_CATEGORY_BARS = 20;
/** At most this many histogram bins. */
export const MAX_HISTOGRAM_BINS = 40;

/**
 * What a column's plot shows: for numbers, the share of each side's finite values per bin over shared
 * equal-width bins; for categories, each side's share per value (the most frequent first).
 */
export type Distribution =
  | {
      readonly kind: 'histogram';
      /** Bin edges, one more than bins; the last bin is closed. */
      readonly edges: readonly number[];
      readonly reference: readonly number[];
      readonly current: readonly number[];
    }
  | {
      readonly kind: 'categories';
      readonly categories: readonly {
        readonly value: string;
        readonly reference: number;
        readonly current: number;
      }[];
      /** The categories past {@link MAX_CATEGORY_BARS}, folded together; null when there are none. */
      readonly other: { readonly count: number; readonly reference: number; readonly current: number } | null;
    };

/**
 * Histogram of two numeric samples over shared equal-width bins spanning both (Sturges' count on the pooled
 * size, at most {@link MAX_HISTOGRAM_BINS}); missing and infinite values are left out, as the tests leave them.
 */
export function numericDistribution(reference: ColumnData, current: ColumnData): Distribution {
  const ref = finite(reference);
  const cur = finite(current);
  let lo = Infinity;
  let hi = -Infinity;
  for (const xs of [ref, cur]) {
    for (const x of xs) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
  }
  const bins = hi > lo ? Math.min(MAX_HISTOGRAM_BINS, Math.ceil(Math.log2(ref.length + cur.length)) + 1) : 1;
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width));
  const shares = (xs: readonly number[]): number[] => {
    const counts = new Array<number>(bins).fill(0);
    for (const x of xs) {
      const i = width > 0 ? Math.min(bins - 1, Math.floor((x - lo) / width)) : 0;
      counts[i]! += 1;
    }
    return counts.map((c) => (xs.length === 0 ? 0 : c / xs.length));
  };
  return { kind: 'histogram', edges, reference: shares(ref), current: shares(cur) };
}

/** Shares per category of two samples, the most frequent (over both) first, ties by value. */
export function categoricalDistribution(reference: ColumnData, current: ColumnData): Distribution {
  const count = (xs: ColumnData): { counts: Map<string, number>; total: number } => {
    const counts = new Map<string, number>();
    let total = 0;
    for (const x of xs) {
      if (isMissing(x)) continue;
      const key = String(x);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      total++;
    }
    return { counts, total };
  };
  const r = count(reference);
  const c = count(current);
  const share = (side: typeof r, key: string): number =>
    side.total === 0 ? 0 : (side.counts.get(key) ?? 0) / side.total;
  const all = [...new Set([...r.counts.keys(), ...c.counts.keys()])].map((value) => ({
    value,
    reference: share(r, value),
    current: share(c, value),
  }));
  all.sort(
    (a, b) =>
      b.reference + b.current - (a.reference + a.current) ||
      (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
  );
  const shown = all.slice(0, MAX_CATEGORY_BARS);
  const rest = all.slice(MAX_CATEGORY_BARS);
  const other =
    rest.length === 0
      ? null
      : {
          count: rest.length,
          reference: rest.reduce((s, x) => s + x.reference, 0),
          current: rest.reduce((s, x) => s + x.current, 0),
        };
  return { kind: 'categories', categories: shown, other };
}

function finite(values: ColumnData): number[] {
  const out: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  return out;
}
