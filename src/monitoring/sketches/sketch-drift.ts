import { jensenShannonDistance } from '../stats/index.js';
import type { CategoricalSketch, ColumnSketch, DatasetSketch, NumericalSketch } from './column-sketch.js';
import { MIN_INDEXABLE, type QuantileSketch } from './quantile-sketch.js';

/** The quantiles a sketch summary reports. */
export const SUMMARY_QUANTILES: readonly number[] = [0.05, 0.25, 0.5, 0.75, 0.95];

/** Drift threshold of a sketch distance when the monitor sets none (Evidently's for Wasserstein and JS). */
export const DEFAULT_SKETCH_THRESHOLD = 0.1;

/** New categories reported per column at most. */
const MAX_NEW_CATEGORIES = 20;

/** One side of a column in short: rows, missing rate and, for numbers, quantiles. */
export interface SketchSideSummary {
  readonly count: number;
  readonly missing: number;
  /** missing / (count + missing + type mismatches); null with no rows. */
  readonly missingRate: number | null;
  readonly typeMismatches: number;
  /** {@link SUMMARY_QUANTILES}, for a numerical column (each within the relative accuracy). */
  readonly quantiles: readonly (number | null)[] | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** One column's drift computed from two sketches. */
export interface SketchColumnDrift {
  readonly column: string;
  readonly kind: 'numerical' | 'categorical';
  /** `wasserstein` (normed by the reference's standard deviation) or `jensenshannon` / `jensenshannon_base2`. */
  readonly method: 'wasserstein' | 'jensenshannon' | 'jensenshannon_base2' | null;
  /** The distance on the sketches; null when a side has no values. */
  readonly score: number | null;
  /**
   * |score − the exact distance on the raw rows| is at most this. Numerical: α·(mean |x| of each side)/σ_ref
   * (every value moves by at most α|x| in the sketch). Categorical: 0 when both sketches are exact (at most
   * `capacity` distinct values), null otherwise (no bound: untracked values are pooled as one category).
   */
  readonly errorBound: number | null;
  readonly threshold: number;
  readonly driftDetected: boolean;
  /** The verdict holds for the exact distance too: the score ± its bound lies on one side of the threshold. */
  readonly verdictCertain: boolean;
  readonly reference: SketchSideSummary;
  readonly current: SketchSideSummary;
  /** Values of the window the reference never holds (categorical; up to 20, most frequent first). */
  readonly newCategories: readonly { readonly value: string; readonly count: number }[];
  /** True when the reference's sketch is exact, so every listed new category is truly absent from it. */
  readonly newCategoriesExact: boolean;
  readonly reason: string | null;
}

/** A dataset's drift from sketches: per column, and the drift-share verdict. */
export interface SketchDrift {
  readonly approximate: true;
  /** The quantile sketches' relative accuracy α. */
  readonly relativeAccuracy: number;
  readonly referenceRows: number;
  readonly currentRows: number;
  readonly testedColumns: number;
  readonly driftedColumns: number;
  readonly driftShare: number;
  readonly driftShareThreshold: number;
  readonly datasetDrift: boolean;
  readonly columns: readonly SketchColumnDrift[];
}

export interface SketchDriftOptions {
  /** Jensen-Shannon base for categorical columns: `e` (Evidently's preset) or 2 (Bosun's). */
  readonly jsBase: 'e' | 2;
  readonly thresholdByColumn?: Readonly<Record<string, number>>;
  /** Dataset drift at this share of drifted tested columns. */
  readonly driftShare: number;
  /** The columns to compare (default: every column of the reference sketch). */
  readonly columns?: readonly string[] | null;
  /** Columns summarised but not tested, with the reason (text and datetime columns, as the exact path skips). */
  readonly untested?: Readonly<Record<string, string>>;
}

function side(c: ColumnSketch | undefined): SketchSideSummary {
  if (!c) {
    return {
      count: 0,
      missing: 0,
      missingRate: null,
      typeMismatches: 0,
      quantiles: null,
      min: null,
      max: null,
    };
  }
  const all = c.count + c.missing + c.typeMismatches;
  return {
    count: c.count,
    missing: c.missing,
    missingRate: all === 0 ? null : c.missing / all,
    typeMismatches: c.typeMismatches,
    quantiles: c.kind === 'numerical' ? c.quantiles.quantiles(SUMMARY_QUANTILES) : null,
    min: c.kind === 'numerical' ? c.min : null,
    max: c.kind === 'numerical' ? c.max : null,
  };
}

/** W1 = ∫ |F − G| between the distributions two quantile sketches stand for (each bucket a point mass). */
export function sketchWasserstein(a: QuantileSketch, b: QuantileSketch): number {
  const pa = a.buckets();
  const pb = b.buckets();
  let i = 0;
  let j = 0;
  let fa = 0;
  let fb = 0;
  let x = Math.min(pa[0]!.value, pb[0]!.value);
  let total = 0;
  while (i < pa.length || j < pb.length) {
    const next = Math.min(pa[i]?.value ?? Infinity, pb[j]?.value ?? Infinity);
    total += Math.abs(fa - fb) * (next - x);
    x = next;
    while (i < pa.length && pa[i]!.value === next) fa += pa[i++]!.count / a.count;
    while (j < pb.length && pb[j]!.value === next) fb += pb[j++]!.count / b.count;
  }
  return total;
}

function numericalDrift(ref: NumericalSketch, cur: NumericalSketch): { score: number; errorBound: number } {
  const std = Math.sqrt(ref.m2 / ref.count);
  const norm = Math.max(std, 0.001);
  const alpha = ref.quantiles.relativeAccuracy;
  const raw = alpha * (ref.sumAbs / ref.count + cur.sumAbs / cur.count) + 2 * MIN_INDEXABLE;
  return { score: sketchWasserstein(ref.quantiles, cur.quantiles) / norm, errorBound: raw / norm };
}

function categoricalDrift(
  ref: CategoricalSketch,
  cur: CategoricalSketch,
  base: 'e' | 2,
): { score: number; errorBound: number | null } {
  const keys = new Set([...ref.items.items().map((i) => i.item), ...cur.items.items().map((i) => i.item)]);
  const p: number[] = [];
  const q: number[] = [];
  let pRest = ref.count;
  let qRest = cur.count;
  for (const k of keys) {
    const a = ref.items.estimate(k);
    const b = cur.items.estimate(k);
    p.push(a);
    q.push(b);
    pRest -= a;
    qRest -= b;
  }
  if (pRest > 0 || qRest > 0) {
    p.push(pRest);
    q.push(qRest);
  }
  const exact = ref.items.undercount === 0 && cur.items.undercount === 0;
  return { score: jensenShannonDistance(p, q, base), errorBound: exact ? 0 : null };
}

/**
 * Drift of `current` against `reference` from their sketches alone: per column the normed Wasserstein distance
 * (numerical) or the Jensen-Shannon distance of the frequent items' shares (categorical), each with its error
 * bound against the exact distance, missing rates, quantiles and new categories; dataset drift by the share of
 * drifted columns. Approximate by construction (`approximate: true`); each verdict says whether its bound
 * makes it certain.
 */
export function sketchDrift(
  reference: DatasetSketch,
  current: DatasetSketch,
  options: SketchDriftOptions,
): SketchDrift {
  const names = options.columns ?? Object.keys(reference.columns);
  let alpha = 0;
  const columns: SketchColumnDrift[] = [];
  for (const column of names) {
    const ref = reference.columns[column];
    const cur = current.columns[column];
    if (!ref) continue;
    if (ref.kind === 'numerical') alpha = ref.quantiles.relativeAccuracy;
    const threshold = options.thresholdByColumn?.[column] ?? DEFAULT_SKETCH_THRESHOLD;
    const base = {
      column,
      kind: ref.kind,
      threshold,
      reference: side(ref),
      current: side(cur),
    };
    let newCategories: { value: string; count: number }[] = [];
    if (ref.kind === 'categorical' && cur?.kind === 'categorical') {
      newCategories = cur.items
        .items()
        .filter((i) => ref.items.estimate(i.item) === 0)
        .slice(0, MAX_NEW_CATEGORIES)
        .map((i) => ({ value: i.item, count: i.count }));
    }
    const newCategoriesExact = ref.kind === 'categorical' && ref.items.undercount === 0;
    const empty = !cur || cur.count === 0 ? 'window' : ref.count === 0 ? 'reference' : null;
    const untested = options.untested?.[column];
    if (untested !== undefined || empty !== null || !cur || cur.kind !== ref.kind) {
      columns.push({
        ...base,
        method: null,
        score: null,
        errorBound: null,
        driftDetected: false,
        verdictCertain: false,
        newCategories,
        newCategoriesExact,
        reason:
          untested ??
          (empty !== null ? `no non-missing values in the ${empty}` : 'the sketches are of different kinds'),
      });
      continue;
    }
    const { score, errorBound } =
      ref.kind === 'numerical'
        ? numericalDrift(ref, cur as NumericalSketch)
        : categoricalDrift(ref, cur as CategoricalSketch, options.jsBase);
    const driftDetected = score >= threshold;
    const verdictCertain =
      errorBound !== null &&
      (driftDetected ? score - errorBound >= threshold : score + errorBound < threshold);
    columns.push({
      ...base,
      method:
        ref.kind === 'numerical'
          ? 'wasserstein'
          : options.jsBase === 'e'
            ? 'jensenshannon'
            : 'jensenshannon_base2',
      score,
      errorBound,
      driftDetected,
      verdictCertain,
      newCategories,
      newCategoriesExact,
      reason: null,
    });
  }
  const tested = columns.filter((c) => c.score !== null);
  const drifted = tested.filter((c) => c.driftDetected).length;
  const share = tested.length === 0 ? 0 : drifted / tested.length;
  return {
    approximate: true,
    relativeAccuracy: alpha,
    referenceRows: reference.rows,
    currentRows: current.rows,
    testedColumns: tested.length,
    driftedColumns: drifted,
    driftShare: share,
    driftShareThreshold: options.driftShare,
    datasetDrift: tested.length > 0 && share >= options.driftShare,
    columns,
  };
}
