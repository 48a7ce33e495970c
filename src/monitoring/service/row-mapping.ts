import type {
  MonitorAlertRow,
  MonitorResultRow,
  MonitorRow,
  MonitorSegmentResultRow,
} from '../store/monitor-store.js';
import { withConfigDefaults } from './monitor-config.js';
import type { ReferenceHeader } from '../store/reference-store.js';
import type {
  Alert,
  AlertCondition,
  AlertState,
  ColumnProfile,
  Monitor,
  MonitorConfig,
  MonitorResult,
  MonitorTarget,
  Reference,
  ReferenceColumn,
  ReferenceSource,
  SchemaCheck,
  ResultStatus,
  WindowDrift,
  WindowPerformance,
} from './monitoring-types.js';
import type { Breaches } from '../alerts/alert-decision.js';

/** JSON text this module wrote itself: parsed back without re-validation. */
function stored<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function referenceFromRow(row: ReferenceHeader, modelName: string): Reference {
  return {
    id: String(row.reference_id),
    modelName,
    name: row.name,
    version: row.version === null ? null : String(row.version),
    loggedModelId: row.logged_model_id,
    columns: stored<ReferenceColumn[]>(row.columns),
    rows: row.row_count,
    profile: stored<ColumnProfile[]>(row.profile),
    source: row.source === null ? null : stored<ReferenceSource>(row.source),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function targetOf(row: MonitorRow): MonitorTarget {
  if (row.target_version !== null) return { kind: 'version', version: String(row.target_version) };
  if (row.target_alias !== null) return { kind: 'alias', alias: row.target_alias };
  return { kind: 'all-versions' };
}

export function monitorFromRow(row: MonitorRow, modelName: string): Monitor {
  return {
    id: String(row.monitor_id),
    modelName,
    name: row.name,
    target: targetOf(row),
    referenceId: String(row.reference_id),
    windowMs: row.window_ms,
    scheduleMs: row.schedule_ms,
    columns: row.columns === null ? null : stored<string[]>(row.columns),
    config: withConfigDefaults(stored<MonitorConfig>(row.config)),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastRunAt: row.last_run_at,
  };
}

export function resultFromRow(row: MonitorResultRow): MonitorResult {
  return {
    id: String(row.result_id),
    monitorId: String(row.monitor_id),
    version: row.version === null ? null : String(row.version),
    windowStart: row.window_start,
    windowEnd: row.window_end,
    rows: row.row_count,
    labelledRows: row.labelled_rows,
    status: row.status as ResultStatus,
    breaches: stored<Breaches>(row.breaches),
    drift: row.drift === null ? null : stored<WindowDrift>(row.drift),
    performance: row.performance === null ? null : stored<WindowPerformance>(row.performance),
    schema: row.schema_check === null ? null : stored<SchemaCheck>(row.schema_check),
    segment: null,
    createdAt: row.created_at,
  };
}

/** A segment's numbers in the frame of its window's result (the window's id, times and version). */
export function segmentResultFromRow(row: MonitorSegmentResultRow, window: MonitorResultRow): MonitorResult {
  return {
    ...resultFromRow(window),
    rows: row.row_count,
    labelledRows: row.labelled_rows,
    status: row.status as ResultStatus,
    breaches: stored<Breaches>(row.breaches),
    drift: row.drift === null ? null : stored<WindowDrift>(row.drift),
    performance: row.performance === null ? null : stored<WindowPerformance>(row.performance),
    schema: null,
    segment: row.segment,
  };
}

export function alertFromRow(row: MonitorAlertRow, names: { modelName: string; monitorName: string }): Alert {
  return {
    id: String(row.alert_id),
    monitorId: String(row.monitor_id),
    modelName: names.modelName,
    monitorName: names.monitorName,
    condition: row.condition as AlertCondition,
    segment: row.segment,
    state: row.state as AlertState,
    message: row.message,
    firedAt: row.fired_at,
    firedResultId: String(row.fired_result_id),
    resolvedAt: row.resolved_at,
    resolvedResultId: row.resolved_result_id === null ? null : String(row.resolved_result_id),
  };
}
