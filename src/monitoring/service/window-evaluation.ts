import {
  BOSUN_PRESET,
  EVIDENTLY_PRESET,
  datasetDrift,
  isMissing,
  type ColumnType,
  type ColumnValue,
} from '../stats/index.js';
import type { Breaches } from '../alerts/alert-decision.js';
import { performanceMetrics, type LabelledPair } from './performance-metrics.js';
import { checkSchema } from './schema-check.js';
import {
  PERFORMANCE_DIRECTION,
  type ColumnDriftSummary,
  type FeatureValue,
  type MonitorConfig,
  type PerformanceMetric,
  type ReferenceColumn,
  type ResultStatus,
  type SchemaCheck,
  type SignatureColumn,
  type TargetValue,
  type WindowDrift,
  type WindowPerformance,
} from './monitoring-types.js';

/** One logged inference of the window. */
export interface WindowRow {
  readonly features: Readonly<Record<string, FeatureValue>>;
  readonly prediction: TargetValue;
  readonly label: TargetValue | null;
}

export interface WindowEvaluationInput {
  readonly referenceColumns: readonly ReferenceColumn[];
  readonly referenceData: Readonly<Record<string, readonly ColumnValue[]>>;
  /** The columns to compare (null: every reference column). */
  readonly columns: readonly string[] | null;
  readonly rows: readonly WindowRow[];
  readonly config: MonitorConfig;
  /** The input schema of the served version's signature, when it has one: the window is checked against it. */
  readonly signature?: { readonly version: string; readonly columns: readonly SignatureColumn[] } | undefined;
}

export interface WindowEvaluation {
  readonly status: ResultStatus;
  readonly breaches: Breaches;
  readonly drift: WindowDrift | null;
  readonly performance: WindowPerformance | null;
  readonly schema: SchemaCheck | null;
  readonly labelledRows: number;
}

/** The columns a window's drift compares: the selected ones with values on both sides, and the skipped others. */
export interface DriftInputs {
  readonly reference: Record<string, readonly ColumnValue[]>;
  readonly current: Record<string, ColumnValue[]>;
  readonly types: Record<string, ColumnType>;
  readonly skipped: ColumnDriftSummary[];
  /** Per compared or skipped column: window values of a type the reference column does not hold. */
  readonly typeMismatches: Record<string, number>;
}

type ValueKind = 'number' | 'string' | 'boolean';

/**
 * The kinds of value a window may hold in a reference column: numbers in a numerical column, the kinds the
 * reference holds in a categorical or text one (any kind when the reference holds none, and in datetime ones).
 */
function acceptedKinds(type: ColumnType, reference: readonly ColumnValue[]): ReadonlySet<ValueKind> | null {
  if (type === 'numerical') return new Set(['number']);
  if (type === 'datetime') return null;
  const kinds = new Set<ValueKind>();
  for (const v of reference) if (!isMissing(v)) kinds.add(typeof v as ValueKind);
  return kinds.size === 0 ? null : kinds;
}

/** Lines a window up with the reference: the monitor's columns, those without values on one side skipped. */
export function driftInputs(input: Omit<WindowEvaluationInput, 'config'>): DriftInputs {
  const selected = input.columns
    ? input.referenceColumns.filter((c) => input.columns!.includes(c.name))
    : input.referenceColumns;
  const skipped: ColumnDriftSummary[] = [];
  const reference: Record<string, readonly ColumnValue[]> = {};
  const current: Record<string, ColumnValue[]> = {};
  const types: Record<string, ColumnType> = {};
  const typeMismatches: Record<string, number> = {};
  for (const { name, type } of selected) {
    const refValues = input.referenceData[name] ?? [];
    const accepted = acceptedKinds(type, refValues);
    let mismatches = 0;
    const values = input.rows.map((r): ColumnValue => {
      const v = r.features[name] ?? null;
      if (v === null || accepted === null || accepted.has(typeof v as ValueKind)) return v;
      mismatches++;
      return null;
    });
    typeMismatches[name] = mismatches;
    const empty = values.every(isMissing) ? 'window' : refValues.every(isMissing) ? 'reference' : undefined;
    if (empty !== undefined) {
      skipped.push({
        column: name,
        type,
        status: 'skipped',
        method: null,
        score: null,
        threshold: null,
        driftDetected: false,
        reason:
          empty === 'window' && mismatches > 0
            ? `no values of the reference type in the window (${mismatches} of another type)`
            : `no non-missing values in the ${empty}`,
        typeMismatches: mismatches,
      });
      continue;
    }
    reference[name] = refValues;
    current[name] = values;
    types[name] = type;
  }
  return { reference, current, types, skipped, typeMismatches };
}

function windowDrift(input: WindowEvaluationInput): WindowDrift | null {
  const { reference, current, types, skipped, typeMismatches } = driftInputs(input);
  // A window whose only news is values of the wrong type still gets a result that counts them.
  if (Object.keys(reference).length === 0 && skipped.every((c) => !c.typeMismatches)) return null;
  const preset = input.config.preset === 'bosun' ? BOSUN_PRESET : EVIDENTLY_PRESET;
  const report = datasetDrift(reference, current, {
    preset,
    columnTypes: types,
    thresholdByColumn: input.config.columnThresholds,
    ...(input.config.driftShare !== null ? { driftShare: input.config.driftShare } : {}),
  });
  const tested: ColumnDriftSummary[] = report.columns.map((c) =>
    c.status === 'tested'
      ? {
          column: c.column,
          type: c.type,
          status: 'tested',
          method: c.method,
          score: c.adjustedPValue ?? c.score,
          threshold: c.threshold,
          driftDetected: c.driftDetected,
          reason: null,
          typeMismatches: typeMismatches[c.column] ?? 0,
        }
      : {
          column: c.column,
          type: c.type,
          status: 'skipped',
          method: null,
          score: null,
          threshold: null,
          driftDetected: false,
          reason: c.reason,
          typeMismatches: typeMismatches[c.column] ?? 0,
        },
  );
  return {
    preset: report.preset,
    testedColumns: report.testedColumns,
    driftedColumns: report.driftedColumns,
    driftShare: report.driftShare,
    driftShareThreshold: report.driftShareThreshold,
    datasetDrift: report.datasetDrift,
    columns: [...tested, ...skipped],
  };
}

function windowPerformance(
  input: WindowEvaluationInput,
  pairs: readonly LabelledPair[],
): WindowPerformance | null {
  const task = input.config.task;
  if (task === null) return null;
  const computed = performanceMetrics(task, pairs);
  if (!computed) return null;
  const violations: PerformanceMetric[] = [];
  for (const [metric, threshold] of Object.entries(input.config.performanceThresholds) as [
    PerformanceMetric,
    number,
  ][]) {
    const value = computed.metrics[metric];
    if (value === undefined) continue;
    const bad = PERFORMANCE_DIRECTION[metric] === 'min' ? value < threshold : value > threshold;
    if (bad) violations.push(metric);
  }
  return { task, rows: computed.rows, metrics: computed.metrics, violations };
}

/**
 * Judges one window against the reference: drift of the selected columns with the monitor's preset and
 * thresholds (columns without values on one side are skipped, not failed; window values whose type does not fit
 * the reference column are left out and counted per column as `typeMismatches`), and, when the monitor has a task
 * and the window has labels, performance metrics (judged against their thresholds once at least `minRows` rows
 * are labelled), and, given the served version's signature, the schema check (breached by any finding). Pure.
 */
export function evaluateWindow(input: WindowEvaluationInput): WindowEvaluation {
  const pairs: LabelledPair[] = [];
  for (const r of input.rows) if (r.label !== null) pairs.push({ prediction: r.prediction, label: r.label });
  const schema =
    input.signature && input.rows.length > 0
      ? checkSchema(
          input.signature.version,
          input.signature.columns,
          input.rows.map((r) => r.features),
        )
      : null;
  if (input.rows.length < input.config.minRows) {
    return {
      status: 'insufficient_data',
      breaches: {},
      drift: null,
      performance: null,
      schema,
      labelledRows: pairs.length,
    };
  }
  const drift = windowDrift(input);
  const performance = windowPerformance(input, pairs);
  const breaches: { data_drift?: boolean; performance?: boolean; schema?: boolean } = {};
  if (drift) breaches.data_drift = drift.datasetDrift;
  if (schema) breaches.schema = schema.violations > 0;
  // Performance is judged on at least minRows labelled rows, as drift is on minRows rows.
  const judged = Object.keys(input.config.performanceThresholds).length > 0;
  if (performance && judged && performance.rows >= input.config.minRows) {
    breaches.performance = performance.violations.length > 0;
  }
  const status: ResultStatus = Object.values(breaches).some((b) => b) ? 'breach' : 'ok';
  return { status, breaches, drift, performance, schema, labelledRows: pairs.length };
}
