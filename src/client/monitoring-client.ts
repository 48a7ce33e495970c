import type { HttpTransport } from './http.js';

type Json = Record<string, unknown>;
const api = '/api/bosun/v1/monitoring';
const seg = encodeURIComponent;

/** A feature value as logged: a JSON scalar (null: missing). */
export type FeatureValueInput = number | string | boolean | null;

/** One prediction record in the API's wire form. */
export interface PredictionRecordWire {
  features: Record<string, FeatureValueInput>;
  prediction: number | string | boolean;
  label?: number | string | boolean | null;
  timestamp?: number;
  request_id?: string;
}

/** Where the server reads a reference from: a file in a run's artifacts, or a dataset the run logged. */
export type ReferenceSourceWire =
  { run_id: string; artifact_path: string } | { run_id: string; dataset_name: string };

/** A declared reference column type (otherwise the server infers it from the values). */
export type ReferenceColumnType = 'numerical' | 'categorical' | 'text' | 'datetime';

/**
 * A reference to store: its `rows`, or a `source` the server reads them from (see docs/monitoring.md,
 * "References from a run"). `column_types` declares a column's type.
 */
export type CreateReferenceBody = {
  name: string;
  version?: string;
  column_types?: Record<string, ReferenceColumnType>;
} & ({ rows: Json[]; source?: never } | { source: ReferenceSourceWire; rows?: never });

/** Which results `listResults` reads: up to `maxResults` (server default 100), one segment's series or the whole windows. */
export interface ResultsQuery {
  maxResults?: number;
  /** A value of the monitor's `segment_by` column (or `__other__`, `__missing__`). */
  segment?: string;
}

/**
 * Bosun's monitoring API (/api/bosun/v1/monitoring): reference datasets, prediction logging, monitors, runs,
 * results and alerts. Answers are the API's JSON objects (snake_case, see docs/monitoring.md), as the CLI
 * prints them.
 * Example: `await client.monitoring.logPredictions('churn', { alias: 'champion' }, records)`.
 */
export class MonitoringClient {
  constructor(private readonly http: HttpTransport) {}

  /**
   * Stores a reference dataset from rows, or read by the server from a run.
   * Example: `await client.monitoring.createReference('churn', { name: 'training', source: { run_id, artifact_path: 'data/train.csv' } })`.
   */
  createReference(model: string, body: CreateReferenceBody): Promise<Json> {
    return this.http.post(`${api}/models/${seg(model)}/references`, body);
  }

  listReferences(model: string): Promise<Json> {
    return this.http.get(`${api}/models/${seg(model)}/references`);
  }

  logPredictions(
    model: string,
    target: { version?: string; alias?: string },
    records: readonly PredictionRecordWire[],
  ): Promise<Json> {
    return this.http.post(`${api}/models/${seg(model)}/predictions`, { ...target, records });
  }

  logLabels(model: string, labels: readonly { request_id: string; label: number | string | boolean }[]) {
    return this.http.post(`${api}/models/${seg(model)}/labels`, { labels });
  }

  createMonitor(model: string, body: Json): Promise<Json> {
    return this.http.post(`${api}/models/${seg(model)}/monitors`, body);
  }

  listMonitors(model: string): Promise<Json> {
    return this.http.get(`${api}/models/${seg(model)}/monitors`);
  }

  getMonitor(model: string, monitorId: string): Promise<Json> {
    return this.http.get(`${api}/models/${seg(model)}/monitors/${seg(monitorId)}`);
  }

  deleteMonitor(model: string, monitorId: string): Promise<Json> {
    return this.http.request('DELETE', `${api}/models/${seg(model)}/monitors/${seg(monitorId)}`);
  }

  runMonitor(model: string, monitorId: string, windowEnd?: number): Promise<Json> {
    return this.http.post(
      `${api}/models/${seg(model)}/monitors/${seg(monitorId)}/run`,
      windowEnd === undefined ? {} : { window_end: windowEnd },
    );
  }

  /**
   * A monitor's results, newest first: the whole windows, or one segment's series.
   * Example: `await client.monitoring.listResults('churn', '3', { segment: 'Braga' })`.
   */
  listResults(model: string, monitorId: string, query: number | ResultsQuery = {}): Promise<Json> {
    const q: ResultsQuery = typeof query === 'number' ? { maxResults: query } : query;
    return this.http.get(`${api}/models/${seg(model)}/monitors/${seg(monitorId)}/results`, {
      max_results: q.maxResults,
      segment: q.segment,
    });
  }

  /** The segments a monitor's windows had (`{segments: [{segment, windows}]}`), for a monitor with `segment_by`. */
  listSegments(model: string, monitorId: string): Promise<Json> {
    return this.http.get(`${api}/models/${seg(model)}/monitors/${seg(monitorId)}/segments`);
  }

  /**
   * A long window judged from the monitor's merged window sketches in `[from, to)` (epoch ms; default the 30 days
   * before now): `{long_window: {windows, rows, drift: {approximate, columns: [...]}}}`.
   * Example: `await client.monitoring.longWindow('churn', '3', { from: Date.now() - 90 * 86_400_000 })`.
   */
  longWindow(model: string, monitorId: string, range: { from?: number; to?: number } = {}): Promise<Json> {
    return this.http.get(`${api}/models/${seg(model)}/monitors/${seg(monitorId)}/long-window`, {
      from: range.from,
      to: range.to,
    });
  }

  /**
   * One numerical column's quantiles over `[from, to)` from the merged window sketches, beside the reference's.
   * Example: `await client.monitoring.quantiles('churn', '3', { column: 'age', q: [0.5, 0.99] })`.
   */
  quantiles(
    model: string,
    monitorId: string,
    query: { column: string; q?: readonly number[]; from?: number; to?: number },
  ): Promise<Json> {
    return this.http.get(`${api}/models/${seg(model)}/monitors/${seg(monitorId)}/quantiles`, {
      column: query.column,
      q: query.q === undefined ? undefined : query.q.join(','),
      from: query.from,
      to: query.to,
    });
  }

  /** A model's alerts, or (without a model) those of every model the caller may read. */
  listAlerts(q: { model?: string; monitorId?: string; state?: 'firing' | 'resolved' } = {}): Promise<Json> {
    const query = { state: q.state, monitor_id: q.monitorId };
    return q.model === undefined
      ? this.http.get(`${api}/alerts`, query)
      : this.http.get(`${api}/models/${seg(q.model)}/alerts`, query);
  }
}
