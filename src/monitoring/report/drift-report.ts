import {
  DRIFT_METHODS,
  datasetDrift,
  type ColumnType,
  type DatasetDrift,
  type ColumnData,
  type ColumnValue,
  type Comparator,
  type DriftMethod,
  type DriftPreset,
} from '../stats/index.js';
import { STATISTIC_NAMES, testStatistic, type NamedStatistic } from './column-statistic.js';
import { categoricalDistribution, numericDistribution, type Distribution } from './distribution.js';

/** The version of the report's shape; it changes only when a field is removed or changes meaning. */
export const DRIFT_REPORT_SCHEMA = 'bosun.drift-report/v1';

/** Where one side's data came from. */
export interface DatasetSource {
  /** A file path or any label the caller chooses. */
  readonly name: string;
  readonly rows: number;
}

/** A tested column: the method, its statistic and p-value (where the method has one), the verdict and a plot. */
export interface TestedColumnReport {
  readonly status: 'tested';
  readonly name: string;
  readonly type: ColumnType;
  readonly method: DriftMethod;
  /** One line saying what the method is. */
  readonly description: string;
  /** The test statistic (D, χ², U, ...) or, for a distance method, the distance. Null for z when p is 1 by rule. */
  readonly statistic: NamedStatistic | null;
  /** The p-value, for the methods that are tests; null for distances. */
  readonly pValue: number | null;
  /** Benjamini-Hochberg adjusted p-value when the preset corrects for many columns. */
  readonly adjustedPValue: number | null;
  /** What is compared with the threshold: the (adjusted) p-value or the distance. */
  readonly score: number;
  readonly scoreKind: 'p-value' | 'distance';
  readonly threshold: number;
  /** Drift when `score <comparator> threshold`. */
  readonly comparator: Comparator;
  readonly driftDetected: boolean;
  readonly referenceSize: number;
  readonly currentSize: number;
  readonly missing: { readonly reference: number; readonly current: number };
  readonly distribution: Distribution;
}

/** A column no method applies to (text, datetime). */
export interface SkippedColumnReport {
  readonly status: 'skipped';
  readonly name: string;
  readonly type: ColumnType;
  readonly reason: string;
}

export type ColumnReport = TestedColumnReport | SkippedColumnReport;

/** A whole drift report: what `bosun drift` prints, serialises as JSON and renders as HTML. */
export interface DriftReport {
  readonly schema: typeof DRIFT_REPORT_SCHEMA;
  /** The preset's name (`evidently-0.7`, `bosun`). */
  readonly preset: string;
  readonly reference: DatasetSource;
  readonly current: DatasetSource;
  readonly columns: readonly ColumnReport[];
  readonly dataset: {
    readonly testedColumns: number;
    readonly driftedColumns: number;
    readonly skippedColumns: number;
    /** driftedColumns / testedColumns. */
    readonly driftShare: number;
    readonly driftShareThreshold: number;
    readonly driftDetected: boolean;
  };
}

export interface DriftReportInput {
  readonly reference: DatasetSource;
  readonly current: DatasetSource;
  /** Columns as `datasetDrift` takes them (records with a null prototype are fine). */
  readonly referenceColumns: Readonly<Record<string, ColumnData>>;
  readonly currentColumns: Readonly<Record<string, ColumnData>>;
  readonly columnTypes?: Readonly<Record<string, ColumnType>>;
  readonly preset: DriftPreset;
  /** A threshold per column and the dataset drift share, when a monitor sets them (the methods' defaults otherwise). */
  readonly thresholdByColumn?: Readonly<Record<string, number>>;
  readonly driftShare?: number;
  /**
   * The drift result when the caller computed it already (`datasetDriftParallel` with the same columns and
   * options, as `bosun drift` does on threads); otherwise `datasetDrift` runs here.
   */
  readonly drift?: DatasetDrift;
}

/**
 * Runs `datasetDrift` and adds what a reader needs: each test's statistic beside its p-value, and each column's
 * distribution for the plot. Pure: data in, report out.
 *
 * @example
 * const report = buildDriftReport({ reference: { name: 'ref.csv', rows: 100 }, current: { name: 'cur.csv', rows: 80 },
 *   referenceColumns: { age: refAges }, currentColumns: { age: curAges }, preset: EVIDENTLY_PRESET });
 * report.dataset.driftDetected
 */
export function buildDriftReport(input: DriftReportInput): DriftReport {
  const result =
    input.drift ??
    datasetDrift(input.referenceColumns, input.currentColumns, {
      preset: input.preset,
      columnTypes: input.columnTypes,
      ...(input.thresholdByColumn !== undefined ? { thresholdByColumn: input.thresholdByColumn } : {}),
      ...(input.driftShare !== undefined ? { driftShare: input.driftShare } : {}),
    });
  const columns = result.columns.map((c): ColumnReport => {
    if (c.status === 'skipped') return { status: 'skipped', name: c.column, type: c.type, reason: c.reason };
    const ref = input.referenceColumns[c.column]!;
    const cur = input.currentColumns[c.column]!;
    const isP = c.scoreKind === 'p-value';
    // With Benjamini-Hochberg on, `score` stays the raw p-value and the verdict uses `adjustedPValue`.
    const pValue = isP ? c.score : null;
    const statisticValue = isP ? (c.statistic ?? testStatistic(c.method, cells(ref), cells(cur))) : c.score;
    const numeric =
      c.type === 'numerical' &&
      (ref instanceof Float64Array || ref.every((v) => typeof v !== 'string' && typeof v !== 'boolean'));
    return {
      status: 'tested',
      name: c.column,
      type: c.type,
      method: c.method,
      description: DRIFT_METHODS[c.method].description,
      statistic: statisticValue === null ? null : { name: STATISTIC_NAMES[c.method], value: statisticValue },
      pValue,
      adjustedPValue: c.adjustedPValue ?? null,
      score: c.adjustedPValue ?? c.score,
      scoreKind: c.scoreKind,
      threshold: c.threshold,
      comparator: c.comparator,
      driftDetected: c.driftDetected,
      referenceSize: c.referenceSize,
      currentSize: c.currentSize,
      missing: c.missing,
      distribution: numeric ? numericDistribution(ref, cur) : categoricalDistribution(ref, cur),
    };
  });
  return {
    schema: DRIFT_REPORT_SCHEMA,
    preset: result.preset,
    reference: input.reference,
    current: input.current,
    columns,
    dataset: {
      testedColumns: result.testedColumns,
      driftedColumns: result.driftedColumns,
      skippedColumns: columns.length - result.testedColumns,
      driftShare: result.driftShare,
      driftShareThreshold: result.driftShareThreshold,
      driftDetected: result.datasetDrift,
    },
  };
}

/** A column as cells (a Float64Array's NaN becomes null). */
function cells(values: ColumnData): readonly ColumnValue[] {
  return values instanceof Float64Array ? Array.from(values, (v) => (v !== v ? null : v)) : values;
}
