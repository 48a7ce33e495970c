import { Type } from '@sinclair/typebox';
import type {
  Alert,
  ColumnDriftSummary,
  Monitor,
  MonitorResult,
  Reference,
  ReferenceSource,
  SchemaCheck,
  WindowPerformance,
} from '../../monitoring/index.js';
import { Nullable } from './wire-schemas.js';

/*
 * The wire form of the monitoring API (snake_case), as TypeBox schemas for the OpenAPI document, and the
 * converters from the domain types.
 */

/** A feature value: a JSON scalar; null is missing. */
export const FeatureValueIn = Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]);
/** A prediction or a label. */
export const TargetIn = Type.Union([Type.Number(), Type.String(), Type.Boolean()]);
export const ColumnTypeIn = Type.Union([
  Type.Literal('numerical'),
  Type.Literal('categorical'),
  Type.Literal('text'),
  Type.Literal('datetime'),
]);

export const ReferenceOut = Type.Object({
  reference_id: Type.String(),
  name: Type.String(),
  model_name: Type.String(),
  version: Nullable(Type.String()),
  logged_model_id: Nullable(Type.String()),
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Integer(),
  profile: Type.Array(Type.Record(Type.String(), Type.Unknown()), {
    description: 'per column: count, missing, and min/max/mean/std/quantiles or distinct/top values',
  }),
  source: Nullable(
    Type.Object(
      {
        kind: Type.Union([Type.Literal('run_artifact'), Type.Literal('run_dataset')]),
        run_id: Type.String(),
        artifact_path: Type.String({
          description: 'the file read, relative to the artifacts of artifact_run_id',
        }),
        artifact_run_id: Type.String(),
        dataset_name: Type.Optional(Type.String()),
        dataset_digest: Type.Optional(Type.String()),
      },
      { description: 'where the server read the rows from; null for uploaded rows' },
    ),
  ),
  created_by: Nullable(Type.String()),
  created_at: Type.Integer(),
});

export const MonitorConfigIn = Type.Object({
  preset: Type.Optional(Type.Union([Type.Literal('evidently'), Type.Literal('bosun')])),
  drift_share: Type.Optional(
    Type.Number({ description: 'dataset drift at or above this share of drifted columns' }),
  ),
  column_thresholds: Type.Optional(Type.Record(Type.String(), Type.Number())),
  task: Type.Optional(Nullable(Type.Union([Type.Literal('classification'), Type.Literal('regression')]))),
  performance_thresholds: Type.Optional(
    Type.Object(
      {
        accuracy: Type.Optional(Type.Number({ description: 'alert below' })),
        f1: Type.Optional(Type.Number({ description: 'macro F1; alert below' })),
        rmse: Type.Optional(Type.Number({ description: 'alert above' })),
        mae: Type.Optional(Type.Number({ description: 'alert above' })),
      },
      { additionalProperties: false },
    ),
  ),
  min_rows: Type.Optional(
    Type.Integer({ description: 'fewer rows in a window: insufficient_data (default 10)' }),
  ),
  fire_after: Type.Optional(
    Type.Integer({ description: 'consecutive breaching windows to fire (default 1)' }),
  ),
  resolve_after: Type.Optional(
    Type.Integer({ description: 'consecutive clean windows to resolve (default 1)' }),
  ),
  segment_by: Type.Optional(
    Nullable(
      Type.String({ description: 'a categorical reference column: each window is also judged per value' }),
    ),
  ),
  max_segments: Type.Optional(
    Type.Integer({
      description: 'segments per window (the most frequent values; the rest: __other__), default 10',
    }),
  ),
  segment_alerts: Type.Optional(
    Type.Boolean({ description: 'each segment fires and resolves its own alerts (default false)' }),
  ),
});

export const MonitorOut = Type.Object({
  monitor_id: Type.String(),
  name: Type.String(),
  model_name: Type.String(),
  version: Nullable(Type.String()),
  alias: Nullable(Type.String()),
  reference_id: Type.String(),
  window_ms: Type.Integer(),
  schedule_ms: Nullable(Type.Integer()),
  columns: Nullable(Type.Array(Type.String())),
  config: Type.Object({
    preset: Type.String(),
    drift_share: Nullable(Type.Number()),
    column_thresholds: Type.Record(Type.String(), Type.Number()),
    task: Nullable(Type.String()),
    performance_thresholds: Type.Record(Type.String(), Type.Number()),
    min_rows: Type.Integer(),
    fire_after: Type.Integer(),
    resolve_after: Type.Integer(),
    segment_by: Nullable(Type.String()),
    max_segments: Type.Integer(),
    segment_alerts: Type.Boolean(),
  }),
  created_by: Nullable(Type.String()),
  created_at: Type.Integer(),
  last_run_at: Nullable(Type.Integer()),
});

const ColumnDriftOut = Type.Object({
  column: Type.String(),
  type: Type.String(),
  status: Type.String(),
  method: Nullable(Type.String()),
  score: Nullable(Type.Number()),
  threshold: Nullable(Type.Number()),
  drift_detected: Type.Boolean(),
  reason: Nullable(Type.String()),
  /** Window values of a type the reference column does not hold (absent in older results). */
  type_mismatches: Type.Optional(Type.Integer()),
});

const ColumnRows = Type.Object({ column: Type.String(), rows: Type.Integer() });

const SchemaCheckOut = Type.Object(
  {
    version: Type.String(),
    columns: Type.Integer({ description: "columns in the signature's input schema" }),
    missing_columns: Type.Array(ColumnRows, { description: 'required columns absent from records' }),
    unexpected_columns: Type.Array(ColumnRows, {
      description: 'feature columns the signature does not name',
    }),
    type_mismatches: Type.Array(
      Type.Object({
        column: Type.String(),
        expected: Type.String(),
        rows: Type.Integer(),
        example: Type.String(),
      }),
    ),
    violations: Type.Integer(),
  },
  { description: "the window checked against the served version's MLmodel signature" },
);

export const ResultOut = Type.Object({
  result_id: Type.String(),
  monitor_id: Type.String(),
  version: Nullable(Type.String()),
  window_start: Type.Integer(),
  window_end: Type.Integer(),
  rows: Type.Integer(),
  labelled_rows: Type.Integer(),
  status: Type.Union([Type.Literal('ok'), Type.Literal('breach'), Type.Literal('insufficient_data')]),
  breaches: Type.Record(Type.String(), Type.Boolean()),
  drift: Nullable(
    Type.Object({
      preset: Type.String(),
      tested_columns: Type.Integer(),
      drifted_columns: Type.Integer(),
      drift_share: Type.Number(),
      drift_share_threshold: Type.Number(),
      dataset_drift: Type.Boolean(),
      columns: Type.Array(ColumnDriftOut),
    }),
  ),
  performance: Nullable(
    Type.Object({
      task: Type.String(),
      rows: Type.Integer(),
      metrics: Type.Record(Type.String(), Type.Number()),
      violations: Type.Array(Type.String()),
    }),
  ),
  schema: Nullable(SchemaCheckOut),
  segment: Nullable(Type.String({ description: 'the segment of these numbers; null: the whole window' })),
  created_at: Type.Integer(),
});

export const AlertOut = Type.Object({
  alert_id: Type.String(),
  monitor_id: Type.String(),
  model_name: Type.String(),
  monitor_name: Type.String(),
  condition: Type.String(),
  segment: Nullable(Type.String({ description: 'the segment the alert is about; null: the whole window' })),
  state: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  message: Type.String(),
  fired_at: Type.Integer(),
  fired_result_id: Type.String(),
  resolved_at: Nullable(Type.Integer()),
  resolved_result_id: Nullable(Type.String()),
});

function sourceToWire(s: ReferenceSource) {
  switch (s.kind) {
    case 'run_artifact':
      return { kind: s.kind, run_id: s.runId, artifact_path: s.artifactPath, artifact_run_id: s.runId };
    case 'run_dataset':
      return {
        kind: s.kind,
        run_id: s.runId,
        artifact_path: s.artifactPath,
        artifact_run_id: s.artifactRunId,
        dataset_name: s.datasetName,
        dataset_digest: s.datasetDigest,
      };
  }
}

export function referenceToWire(r: Reference) {
  return {
    reference_id: r.id,
    name: r.name,
    model_name: r.modelName,
    version: r.version,
    logged_model_id: r.loggedModelId,
    columns: r.columns.map((c) => ({ name: c.name, type: c.type })),
    rows: r.rows,
    profile: r.profile.map((p) => ({ ...p })),
    source: r.source === null ? null : sourceToWire(r.source),
    created_by: r.createdBy,
    created_at: r.createdAt,
  };
}

export function monitorToWire(m: Monitor) {
  const c = m.config;
  return {
    monitor_id: m.id,
    name: m.name,
    model_name: m.modelName,
    version: m.target.kind === 'version' ? m.target.version : null,
    alias: m.target.kind === 'alias' ? m.target.alias : null,
    reference_id: m.referenceId,
    window_ms: m.windowMs,
    schedule_ms: m.scheduleMs,
    columns: m.columns === null ? null : [...m.columns],
    config: {
      preset: c.preset,
      drift_share: c.driftShare,
      column_thresholds: { ...c.columnThresholds },
      task: c.task,
      performance_thresholds: { ...c.performanceThresholds },
      min_rows: c.minRows,
      fire_after: c.fireAfter,
      resolve_after: c.resolveAfter,
      segment_by: c.segmentBy,
      max_segments: c.maxSegments,
      segment_alerts: c.segmentAlerts,
    },
    created_by: m.createdBy,
    created_at: m.createdAt,
    last_run_at: m.lastRunAt,
  };
}

const columnToWire = (c: ColumnDriftSummary) => ({
  column: c.column,
  type: c.type,
  status: c.status,
  method: c.method,
  score: c.score,
  threshold: c.threshold,
  drift_detected: c.driftDetected,
  reason: c.reason,
  ...(c.typeMismatches !== undefined ? { type_mismatches: c.typeMismatches } : {}),
});

const performanceToWire = (p: WindowPerformance) => ({
  task: p.task,
  rows: p.rows,
  metrics: { ...p.metrics },
  violations: [...p.violations],
});

const schemaToWire = (s: SchemaCheck) => ({
  version: s.version,
  columns: s.columns,
  missing_columns: s.missingColumns.map((c) => ({ ...c })),
  unexpected_columns: s.unexpectedColumns.map((c) => ({ ...c })),
  type_mismatches: s.typeMismatches.map((c) => ({ ...c })),
  violations: s.violations,
});

export function resultToWire(r: MonitorResult) {
  return {
    result_id: r.id,
    monitor_id: r.monitorId,
    version: r.version,
    window_start: r.windowStart,
    window_end: r.windowEnd,
    rows: r.rows,
    labelled_rows: r.labelledRows,
    status: r.status,
    breaches: { ...r.breaches },
    drift:
      r.drift === null
        ? null
        : {
            preset: r.drift.preset,
            tested_columns: r.drift.testedColumns,
            drifted_columns: r.drift.driftedColumns,
            drift_share: r.drift.driftShare,
            drift_share_threshold: r.drift.driftShareThreshold,
            dataset_drift: r.drift.datasetDrift,
            columns: r.drift.columns.map(columnToWire),
          },
    performance: r.performance === null ? null : performanceToWire(r.performance),
    schema: r.schema === null ? null : schemaToWire(r.schema),
    segment: r.segment,
    created_at: r.createdAt,
  };
}

export function alertToWire(a: Alert) {
  return {
    alert_id: a.id,
    monitor_id: a.monitorId,
    model_name: a.modelName,
    monitor_name: a.monitorName,
    condition: a.condition,
    segment: a.segment,
    state: a.state,
    message: a.message,
    fired_at: a.firedAt,
    fired_result_id: a.firedResultId,
    resolved_at: a.resolvedAt,
    resolved_result_id: a.resolvedResultId,
  };
}
