import { InvalidParameterError } from '../../../shared/index.js';
import { benjaminiHochberg } from '../benjamini-hochberg.js';
import type { Category } from './categories.js';
import { categoryKey } from './categories.js';
import { sortedFiniteCopy } from '../numeric/radix-sort.js';
import type { SortedSample } from '../numeric/sample.js';
import {
  inferColumnType,
  inferNumericColumnType,
  isMissing,
  type ColumnData,
  type ColumnType,
  type ColumnValue,
} from './column-types.js';
import {
  compare,
  DRIFT_METHODS,
  evaluateDriftMethod,
  type Comparator,
  type DriftMethod,
} from './drift-methods.js';
import { EVIDENTLY_PRESET, type DriftPreset } from './drift-preset.js';

/** Per-column overrides; precedence is column > column type > global > the method's default (as Evidently). */
export interface DriftOptions {
  readonly preset?: DriftPreset;
  /** Declared column types (otherwise inferred from the reference, {@link inferColumnType}). */
  readonly columnTypes?: Readonly<Record<string, ColumnType>>;
  /**
   * A method for every numerical and categorical column, per type, or per column (most specific wins). A method
   * that needs numbers refuses a column holding strings with an InvalidParameterError.
   */
  readonly method?: DriftMethod;
  readonly methodByType?: Partial<Readonly<Record<ColumnType, DriftMethod>>>;
  readonly methodByColumn?: Readonly<Record<string, DriftMethod>>;
  /** Threshold for every column, per type, or per column (most specific wins). */
  readonly threshold?: number;
  readonly thresholdByType?: Partial<Readonly<Record<ColumnType, number>>>;
  readonly thresholdByColumn?: Readonly<Record<string, number>>;
  readonly driftShare?: number;
  readonly multipleTesting?: DriftPreset['multipleTesting'];
  readonly fdr?: number;
}

/** One column's verdict. A column with no applicable method (text, datetime) is `skipped`. */
export type ColumnDrift =
  | {
      readonly status: 'tested';
      readonly column: string;
      readonly type: ColumnType;
      readonly method: DriftMethod;
      readonly scoreKind: 'p-value' | 'distance';
      /** The p-value or distance the method returned. */
      readonly score: number;
      /** For a p-value method, the test statistic behind it (KS D, χ², …); absent where not computed. */
      readonly statistic?: number;
      /** Benjamini-Hochberg adjusted p-value, when that correction is on and the score is a p-value. */
      readonly adjustedPValue?: number;
      readonly threshold: number;
      readonly comparator: Comparator;
      readonly driftDetected: boolean;
      readonly referenceSize: number;
      readonly currentSize: number;
      /** Rows dropped as missing (null, NaN, ±Infinity) on each side. */
      readonly missing: { readonly reference: number; readonly current: number };
    }
  | {
      readonly status: 'skipped';
      readonly column: string;
      readonly type: ColumnType;
      readonly reason: string;
    };

export interface DatasetDrift {
  readonly preset: string;
  readonly columns: readonly ColumnDrift[];
  readonly testedColumns: number;
  readonly driftedColumns: number;
  /** driftedColumns / testedColumns (0 when nothing was tested). */
  readonly driftShare: number;
  /** The share at or above which the dataset counts as drifted. */
  readonly driftShareThreshold: number;
  readonly datasetDrift: boolean;
}

/** A column's non-missing values; `sorted` when they are numbers held in a Float64Array. */
interface Kept {
  /** As categories, for the methods that count values (built from `sorted` only when such a method runs). */
  readonly kept: readonly Category[];
  readonly sorted?: SortedSample;
  readonly size: number;
  readonly missing: number;
}

function present(values: readonly ColumnValue[]): Kept {
  const kept: Category[] = [];
  let missing = 0;
  for (const v of values) {
    if (isMissing(v)) missing++;
    else kept.push(v);
  }
  return { kept, size: kept.length, missing };
}

/**
 * The finite values of a Float64Array column, copied once and sorted in place (`scratch`, when given, is the
 * radix sort's working buffer; see {@link sortFloat64InPlace}).
 */
function finite(values: Float64Array, scratch?: Float64Array): Kept {
  // Finite values only, so no NaN check is needed before sorting.
  const sorted: SortedSample = { kind: 'sorted-sample', values: sortedFiniteCopy(values, scratch) };
  const size = sorted.values.length;
  let asCategories: number[] | undefined;
  return {
    get kept(): readonly Category[] {
      asCategories ??= Array.from(sorted.values);
      return asCategories;
    },
    sorted,
    size,
    missing: values.length - size,
  };
}

/** Cells of a column; a Float64Array beside a cell column is turned into cells (NaN → null). */
function cells(values: ColumnData): readonly ColumnValue[] {
  return values instanceof Float64Array ? Array.from(values, (v) => (v !== v ? null : v)) : values;
}

/** Distinct values over two ascending arrays (−0 and +0 are one value, as in a Set). */
function distinctCount(a: Float64Array, b: Float64Array): number {
  let count = 0;
  let i = 0;
  let j = 0;
  let last = NaN;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (v !== last) {
      count++;
      last = v;
    }
  }
  return count;
}

/**
 * Data drift between a reference and a current dataset, column by column, then the dataset verdict: Evidently 0.7's
 * `DataDriftPreset` by default (NaN and ±Infinity dropped per side, method by type and reference size, its
 * thresholds and comparators, dataset drift when at least half the tested columns drift). With
 * `multipleTesting: 'benjamini-hochberg'` the p-value columns are judged on BH-adjusted p-values at the FDR
 * instead of their own thresholds. Columns are those of the reference; each must exist in the current data.
 *
 * @example
 * const report = datasetDrift({ age: refAges, city: refCities }, { age: curAges, city: curCities });
 * report.datasetDrift; report.columns[0].method // 'ks' for ≤ 1000 numeric reference rows
 */
export function datasetDrift(
  reference: Readonly<Record<string, ColumnData>>,
  current: Readonly<Record<string, ColumnData>>,
  options: DriftOptions = {},
): DatasetDrift {
  const results: ColumnDrift[] = [];
  for (const column of Object.keys(reference)) {
    results.push(columnDrift(column, reference[column]!, current[column], options));
  }
  return summarizeDrift(results, options);
}

/**
 * One column's verdict, as {@link datasetDrift} computes it (before any multiple-testing correction, which
 * needs every column: {@link summarizeDrift}). `scratch` is an optional working buffer for sorting numeric
 * columns (reused across columns by a caller that checks many). The worker threads of
 * `datasetDriftParallel` run exactly this function, so their results are the same bits.
 */
export function columnDrift(
  column: string,
  refValues: ColumnData,
  curValues: ColumnData | undefined,
  options: DriftOptions = {},
  scratch?: Float64Array,
): ColumnDrift {
  const preset = options.preset ?? EVIDENTLY_PRESET;
  if (curValues === undefined) {
    throw new InvalidParameterError(`column '${column}' is in the reference but not in the current data`);
  }
  const typed = refValues instanceof Float64Array && curValues instanceof Float64Array;
  const type =
    options.columnTypes?.[column] ??
    (refValues instanceof Float64Array ? inferNumericColumnType(refValues) : inferColumnType(refValues));
  // Numeric columns held as Float64Arrays: the finite values are gathered once, sorted in place (no copy
  // per method), and the distinct count comes from the sorted values instead of a set of keys.
  const ref = typed ? finite(refValues, scratch) : present(cells(refValues));
  const cur = typed ? finite(curValues, scratch) : present(cells(curValues));
  if (ref.size === 0 || cur.size === 0) {
    throw new InvalidParameterError(
      `column '${column}' has no non-missing values in the ${ref.size === 0 ? 'reference' : 'current'} data`,
    );
  }
  const unique =
    ref.sorted !== undefined && cur.sorted !== undefined
      ? distinctCount(ref.sorted.values, cur.sorted.values)
      : new Set([...ref.kept, ...cur.kept].map(categoryKey)).size;
  // A global method applies to the column types that have a drift method at all (not text or datetime).
  const global = type === 'text' || type === 'datetime' ? undefined : options.method;
  const method =
    options.methodByColumn?.[column] ??
    options.methodByType?.[type] ??
    global ??
    // ref.size, not ref.kept.length: a typed column builds its cells only when a counting method runs.
    preset.chooseMethod(type, ref.size, unique);
  if (method === undefined) {
    return { status: 'skipped', column, type, reason: `no drift method applies to ${type} columns` };
  }
  const spec = DRIFT_METHODS[method];
  const threshold =
    options.thresholdByColumn?.[column] ??
    options.thresholdByType?.[type] ??
    options.threshold ??
    spec.defaultThreshold;
  const sorted =
    ref.sorted !== undefined && cur.sorted !== undefined ? ([ref.sorted, cur.sorted] as const) : undefined;
  const { score, statistic } = evaluateDriftMethod(method, ref.kept, cur.kept, type, column, sorted);
  return {
    status: 'tested',
    column,
    type,
    method,
    scoreKind: spec.scoreKind,
    score,
    ...(statistic !== null ? { statistic } : {}),
    threshold,
    comparator: spec.comparator,
    driftDetected: compare(score, spec.comparator, threshold),
    referenceSize: ref.size,
    currentSize: cur.size,
    missing: { reference: ref.missing, current: cur.missing },
  };
}

/**
 * The dataset verdict from every column's {@link columnDrift} (in the reference's column order): the
 * Benjamini-Hochberg correction when the options or the preset ask for it, the drifted share and the verdict.
 */
export function summarizeDrift(results: readonly ColumnDrift[], options: DriftOptions = {}): DatasetDrift {
  const preset = options.preset ?? EVIDENTLY_PRESET;
  const correction = options.multipleTesting ?? preset.multipleTesting;
  const columns =
    correction === 'benjamini-hochberg' ? adjust([...results], options.fdr ?? preset.fdr) : [...results];
  const tested = columns.filter((c) => c.status === 'tested');
  const drifted = tested.filter((c) => c.driftDetected).length;
  const share = tested.length === 0 ? 0 : drifted / tested.length;
  const threshold = options.driftShare ?? preset.driftShare;
  return {
    preset: preset.name,
    columns,
    testedColumns: tested.length,
    driftedColumns: drifted,
    driftShare: share,
    driftShareThreshold: threshold,
    datasetDrift: tested.length > 0 && share >= threshold,
  };
}

function adjust(results: ColumnDrift[], fdr: number): ColumnDrift[] {
  const idx: number[] = [];
  const pValues: number[] = [];
  results.forEach((r, i) => {
    if (r.status === 'tested' && r.scoreKind === 'p-value') {
      idx.push(i);
      pValues.push(r.score);
    }
  });
  if (pValues.length === 0) return results;
  const bh = benjaminiHochberg(pValues, fdr);
  const out = [...results];
  idx.forEach((i, k) => {
    const r = out[i]!;
    if (r.status !== 'tested') return;
    out[i] = {
      ...r,
      adjustedPValue: bh.adjusted[k]!,
      threshold: fdr,
      comparator: '<=',
      driftDetected: bh.rejected[k]!,
    };
  });
  return out;
}
