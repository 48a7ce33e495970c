import { ApiError } from '../../api/api-error';
import { callApi } from '../../api/http';
import { wireReaders } from '../../api/wire-readers';

/*
 * The monitoring pages' calls to Bosun's documented monitoring API (/api/bosun/v1/monitoring, see
 * docs/monitoring.md), parsed at the edge into the camelCase types the pages use.
 */

const base = '/api/bosun/v1/monitoring';
const model = (name: string): string => `${base}/models/${encodeURIComponent(name)}`;

/** A monitor of a registered model: what it watches and how it judges a window. */
export interface Monitor {
  id: string;
  name: string;
  modelName: string;
  version: string | null;
  alias: string | null;
  referenceId: string;
  windowMs: number;
  scheduleMs: number | null;
  columns: string[] | null;
  preset: string;
  driftShare: number | null;
  task: string | null;
  /** The categorical column each window is also judged by (null: no segments). */
  segmentBy: string | null;
  createdAt: number;
  lastRunAt: number | null;
}

/** A window checked against the model version's signature (its MLmodel): what did not fit, per column. */
export interface SchemaCheck {
  version: string;
  columns: number;
  missingColumns: { column: string; rows: number }[];
  unexpectedColumns: { column: string; rows: number }[];
  typeMismatches: { column: string; expected: string; rows: number; example: string }[];
  violations: number;
}

/** One column's verdict in a window. */
export interface ColumnDrift {
  column: string;
  type: string;
  status: string;
  method: string | null;
  score: number | null;
  threshold: number | null;
  driftDetected: boolean;
  reason: string | null;
}

/** One judged window of a monitor. */
export interface MonitorResult {
  id: string;
  monitorId: string;
  version: string | null;
  windowStart: number;
  windowEnd: number;
  rows: number;
  labelledRows: number;
  status: 'ok' | 'breach' | 'insufficient_data';
  drift: {
    preset: string;
    testedColumns: number;
    driftedColumns: number;
    driftShare: number;
    driftShareThreshold: number;
    datasetDrift: boolean;
    columns: ColumnDrift[];
  } | null;
  performance: { task: string; metrics: Record<string, number>; violations: string[] } | null;
  schema: SchemaCheck | null;
  /** The segment these numbers are of; null: the whole window. */
  segment: string | null;
  createdAt: number;
}

/** An alert: fired by a breaching window, resolved by clean ones. */
export interface Alert {
  id: string;
  monitorId: string;
  modelName: string;
  monitorName: string;
  condition: string;
  /** The segment the alert is about; null: the whole window. */
  segment: string | null;
  state: 'firing' | 'resolved';
  message: string;
  firedAt: number;
  resolvedAt: number | null;
}

const { bad, obj, arr, str, num } = wireReaders('monitoring');
const strOrNull = (v: unknown, what: string): string | null => (v === null ? null : str(v, what));
const numOrNull = (v: unknown, what: string): number | null => (v === null ? null : num(v, what));
const numbers = (v: unknown, what: string): Record<string, number> =>
  Object.fromEntries(Object.entries(obj(v, what)).map(([k, x]) => [k, num(x, what)]));

function parseMonitor(v: unknown): Monitor {
  const m = obj(v, 'monitor');
  const c = obj(m.config, 'monitor config');
  return {
    id: str(m.monitor_id, 'monitor id'),
    name: str(m.name, 'monitor name'),
    modelName: str(m.model_name, 'model name'),
    version: strOrNull(m.version, 'version'),
    alias: strOrNull(m.alias, 'alias'),
    referenceId: str(m.reference_id, 'reference id'),
    windowMs: num(m.window_ms, 'window'),
    scheduleMs: numOrNull(m.schedule_ms, 'schedule'),
    columns: m.columns === null ? null : arr(m.columns, 'columns').map((x) => str(x, 'column')),
    preset: str(c.preset, 'preset'),
    driftShare: numOrNull(c.drift_share, 'drift share'),
    task: strOrNull(c.task, 'task'),
    segmentBy: c.segment_by === undefined ? null : strOrNull(c.segment_by, 'segment column'),
    createdAt: num(m.created_at, 'creation time'),
    lastRunAt: numOrNull(m.last_run_at, 'last run time'),
  };
}

function parseColumn(v: unknown): ColumnDrift {
  const c = obj(v, 'column');
  return {
    column: str(c.column, 'column'),
    type: str(c.type, 'column type'),
    status: str(c.status, 'column status'),
    method: strOrNull(c.method, 'method'),
    score: numOrNull(c.score, 'score'),
    threshold: numOrNull(c.threshold, 'threshold'),
    driftDetected: c.drift_detected === true,
    reason: strOrNull(c.reason, 'reason'),
  };
}

const resultStatuses = ['ok', 'breach', 'insufficient_data'] as const;

const columnRows = (v: unknown, what: string): { column: string; rows: number }[] =>
  arr(v, what).map((x) => {
    const o = obj(x, what);
    return { column: str(o.column, what), rows: num(o.rows, what) };
  });

function parseSchema(v: unknown): SchemaCheck | null {
  if (v === null || v === undefined) return null;
  const s = obj(v, 'schema check');
  return {
    version: str(s.version, 'schema version'),
    columns: num(s.columns, 'schema columns'),
    missingColumns: columnRows(s.missing_columns, 'missing columns'),
    unexpectedColumns: columnRows(s.unexpected_columns, 'unexpected columns'),
    typeMismatches: arr(s.type_mismatches, 'type mismatches').map((x) => {
      const o = obj(x, 'type mismatch');
      return {
        column: str(o.column, 'type mismatch'),
        expected: str(o.expected, 'type mismatch'),
        rows: num(o.rows, 'type mismatch'),
        example: str(o.example, 'type mismatch'),
      };
    }),
    violations: num(s.violations, 'schema violations'),
  };
}

function parseResult(v: unknown): MonitorResult {
  const r = obj(v, 'result');
  const status = resultStatuses.find((s) => s === r.status) ?? bad('result status');
  const d = r.drift === null ? null : obj(r.drift, 'drift');
  const p = r.performance === null ? null : obj(r.performance, 'performance');
  return {
    id: str(r.result_id, 'result id'),
    monitorId: str(r.monitor_id, 'monitor id'),
    version: strOrNull(r.version, 'version'),
    windowStart: num(r.window_start, 'window start'),
    windowEnd: num(r.window_end, 'window end'),
    rows: num(r.rows, 'rows'),
    labelledRows: num(r.labelled_rows, 'labelled rows'),
    status,
    drift:
      d === null
        ? null
        : {
            preset: str(d.preset, 'preset'),
            testedColumns: num(d.tested_columns, 'tested columns'),
            driftedColumns: num(d.drifted_columns, 'drifted columns'),
            driftShare: num(d.drift_share, 'drift share'),
            driftShareThreshold: num(d.drift_share_threshold, 'drift share threshold'),
            datasetDrift: d.dataset_drift === true,
            columns: arr(d.columns, 'columns').map(parseColumn),
          },
    performance:
      p === null
        ? null
        : {
            task: str(p.task, 'task'),
            metrics: numbers(p.metrics, 'metrics'),
            violations: arr(p.violations, 'violations').map((x) => str(x, 'violation')),
          },
    schema: parseSchema(r.schema),
    segment: r.segment === undefined ? null : strOrNull(r.segment, 'segment'),
    createdAt: num(r.created_at, 'creation time'),
  };
}

function parseAlert(v: unknown): Alert {
  const a = obj(v, 'alert');
  const state = a.state === 'firing' || a.state === 'resolved' ? a.state : bad('alert state');
  return {
    id: str(a.alert_id, 'alert id'),
    monitorId: str(a.monitor_id, 'monitor id'),
    modelName: str(a.model_name, 'model name'),
    monitorName: str(a.monitor_name, 'monitor name'),
    condition: str(a.condition, 'condition'),
    segment: a.segment === undefined ? null : strOrNull(a.segment, 'alert segment'),
    state,
    message: str(a.message, 'message'),
    firedAt: num(a.fired_at, 'fired time'),
    resolvedAt: numOrNull(a.resolved_at, 'resolved time'),
  };
}

/** The monitors of a registered model. */
export async function listMonitors(modelName: string, signal?: AbortSignal): Promise<Monitor[]> {
  const answer = await callApi('GET', `${model(modelName)}/monitors`, undefined, signal);
  return arr(answer.monitors, 'monitor list').map(parseMonitor);
}

/** A monitor's window results, newest first: of whole windows, or of one segment (`segment`). */
export async function listResults(
  modelName: string,
  monitorId: string,
  maxResults: number,
  signal?: AbortSignal,
  segment?: string,
): Promise<MonitorResult[]> {
  const query = new URLSearchParams({ max_results: String(maxResults) });
  if (segment !== undefined) query.set('segment', segment);
  const path = `${model(modelName)}/monitors/${encodeURIComponent(monitorId)}/results?${query.toString()}`;
  const answer = await callApi('GET', path, undefined, signal);
  return arr(answer.results, 'result list').map(parseResult);
}

/** One column of a long window: a distance from merged sketches, with its error bound. */
export interface LongWindowColumn {
  column: string;
  kind: string;
  method: string | null;
  score: number | null;
  /** The distance is within this of the exact one (quantile sketches' stated error). */
  errorBound: number | null;
  threshold: number;
  driftDetected: boolean;
  /** The verdict holds whatever the error (score ± bound on one side of the threshold). */
  verdictCertain: boolean;
  missingRate: number | null;
  newCategories: { value: string; count: number }[];
  reason: string | null;
}

/** A long window: the monitor's window sketches merged and judged against the reference's (approximate). */
export interface LongWindow {
  from: number;
  to: number;
  windows: number;
  rows: number;
  drift: {
    relativeAccuracy: number;
    testedColumns: number;
    driftedColumns: number;
    driftShare: number;
    driftShareThreshold: number;
    datasetDrift: boolean;
    columns: LongWindowColumn[];
  } | null;
}

function parseLongWindowColumn(v: unknown): LongWindowColumn {
  const c = obj(v, 'long-window column');
  return {
    column: str(c.column, 'column'),
    kind: str(c.kind, 'column kind'),
    method: strOrNull(c.method, 'method'),
    score: numOrNull(c.score, 'score'),
    errorBound: numOrNull(c.error_bound, 'error bound'),
    threshold: num(c.threshold, 'threshold'),
    driftDetected: c.drift_detected === true,
    verdictCertain: c.verdict_certain === true,
    missingRate: numOrNull(obj(c.current, 'current side').missing_rate, 'missing rate'),
    newCategories: arr(c.new_categories, 'new categories').map((x) => {
      const o = obj(x, 'new category');
      return { value: str(o.value, 'new category'), count: num(o.count, 'new category count') };
    }),
    reason: strOrNull(c.reason, 'reason'),
  };
}

/** The monitor's long window (default: the 30 days before now), from its stored window sketches. */
export async function getLongWindow(
  modelName: string,
  monitorId: string,
  signal?: AbortSignal,
): Promise<LongWindow> {
  const path = `${model(modelName)}/monitors/${encodeURIComponent(monitorId)}/long-window`;
  const w = obj((await callApi('GET', path, undefined, signal)).long_window, 'long window');
  const d = w.drift === null ? null : obj(w.drift, 'long-window drift');
  return {
    from: num(w.from, 'from'),
    to: num(w.to, 'to'),
    windows: num(w.windows, 'windows'),
    rows: num(w.rows, 'rows'),
    drift:
      d === null
        ? null
        : {
            relativeAccuracy: num(d.relative_accuracy, 'relative accuracy'),
            testedColumns: num(d.tested_columns, 'tested columns'),
            driftedColumns: num(d.drifted_columns, 'drifted columns'),
            driftShare: num(d.drift_share, 'drift share'),
            driftShareThreshold: num(d.drift_share_threshold, 'drift share threshold'),
            datasetDrift: d.dataset_drift === true,
            columns: arr(d.columns, 'columns').map(parseLongWindowColumn),
          },
  };
}

/** The segments a monitor's windows had (values of its segment column), with how many windows each. */
export async function listSegments(
  modelName: string,
  monitorId: string,
  signal?: AbortSignal,
): Promise<{ segment: string; windows: number }[]> {
  const path = `${model(modelName)}/monitors/${encodeURIComponent(monitorId)}/segments`;
  const answer = await callApi('GET', path, undefined, signal);
  return arr(answer.segments, 'segment list').map((v) => {
    const o = obj(v, 'segment');
    return { segment: str(o.segment, 'segment'), windows: num(o.windows, 'segment windows') };
  });
}

/** The alerts of one model, or of every model the caller may read when `modelName` is undefined. */
export async function listAlerts(
  modelName: string | undefined,
  options: { state?: 'firing' | 'resolved'; maxResults: number },
  signal?: AbortSignal,
): Promise<Alert[]> {
  const query = new URLSearchParams({ max_results: String(options.maxResults) });
  if (options.state !== undefined) query.set('state', options.state);
  const path = modelName === undefined ? `${base}/alerts` : `${model(modelName)}/alerts`;
  const answer = await callApi('GET', `${path}?${query.toString()}`, undefined, signal);
  return arr(answer.alerts, 'alert list').map(parseAlert);
}

/**
 * The URL of a result window's full HTML drift report (self-contained page); with `segment`, the report of that
 * segment of the window (its rows against the reference rows of the same segment).
 */
export function reportUrl(
  modelName: string,
  monitorId: string,
  resultId: string,
  segment?: string | null,
): string {
  const path = `${model(modelName)}/monitors/${encodeURIComponent(monitorId)}/results/${encodeURIComponent(resultId)}/report`;
  const query = segment == null ? '' : `?${new URLSearchParams({ segment }).toString()}`;
  return (path + query).replace(/^\//, '');
}

/** The HTML of a result window's report (of one segment with `segment`), to show in a sandboxed iframe. */
export async function fetchReportHtml(
  modelName: string,
  monitorId: string,
  resultId: string,
  signal?: AbortSignal,
  segment?: string | null,
): Promise<string> {
  const response = await fetch(reportUrl(modelName, monitorId, resultId, segment), {
    credentials: 'same-origin',
    headers: { accept: 'text/html' },
    ...(signal === undefined ? {} : { signal }),
  });
  const text = await response.text();
  if (!response.ok) {
    let message = `The server answered ${response.status} ${response.statusText}.`;
    try {
      const parsed: unknown = JSON.parse(text);
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        'message' in parsed &&
        typeof parsed.message === 'string'
      )
        message = parsed.message;
    } catch {
      // Not JSON: keep the status line.
    }
    throw new ApiError('HTTP_ERROR', response.status, message);
  }
  return text;
}

/** A reference dataset of a registered model (its profile stays on the server). */
export interface Reference {
  id: string;
  name: string;
  version: string | null;
  columns: { name: string; type: string }[];
  rows: number;
  createdAt: number;
}

function parseReference(v: unknown): Reference {
  const r = obj(v, 'reference');
  return {
    id: str(r.reference_id, 'reference id'),
    name: str(r.name, 'reference name'),
    version: strOrNull(r.version, 'reference version'),
    columns: arr(r.columns, 'reference columns').map((c) => {
      const col = obj(c, 'reference column');
      return { name: str(col.name, 'column name'), type: str(col.type, 'column type') };
    }),
    rows: num(r.rows, 'reference rows'),
    createdAt: num(r.created_at, 'creation time'),
  };
}

/** The reference datasets of a registered model. */
export async function listReferences(modelName: string, signal?: AbortSignal): Promise<Reference[]> {
  const answer = await callApi('GET', `${model(modelName)}/references`, undefined, signal);
  return arr(answer.references, 'reference list').map(parseReference);
}

/**
 * What POST .../monitors takes, in the wire's own names (docs/monitoring.md "Monitors"): the page builds it
 * from the form and the server validates it (its message is shown in place).
 */
export interface NewMonitor {
  name: string;
  version?: string;
  alias?: string;
  reference_id: string;
  window_ms: number;
  schedule_ms?: number;
  columns?: string[];
  config: {
    preset?: 'evidently' | 'bosun';
    drift_share?: number;
    column_thresholds?: Record<string, number>;
    task?: 'classification' | 'regression';
    performance_thresholds?: Partial<Record<'accuracy' | 'f1' | 'rmse' | 'mae', number>>;
    min_rows?: number;
    fire_after?: number;
    resolve_after?: number;
    segment_by?: string;
    max_segments?: number;
    segment_alerts?: boolean;
  };
}

/** Creates a monitor of a registered model. */
export async function createMonitor(modelName: string, monitor: NewMonitor): Promise<Monitor> {
  const answer = await callApi('POST', `${model(modelName)}/monitors`, { ...monitor });
  return parseMonitor(answer.monitor);
}

/** Deletes a monitor with its results and alerts. */
export async function deleteMonitor(modelName: string, monitorId: string): Promise<void> {
  await callApi('DELETE', `${model(modelName)}/monitors/${encodeURIComponent(monitorId)}`);
}
