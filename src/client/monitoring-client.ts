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

/**
 * Bosun's monitoring API (/api/bosun/v1/monitoring): reference datasets, prediction logging, monitors, runs,
 * results and alerts. Answers are the API's JSON objects (snake_case, see docs/monitoring.md), as the CLI
 * prints them.
 * Example: `await client.monitoring.logPredictions('churn', { alias: 'champion' }, records)`.
 */
export class MonitoringClient {
  constructor(private readonly http: HttpTransport) {}

  createReference(model: string, body: { name: string; version?: string; rows: Json[] }): Promise<Json> {
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

  listResults(model: string, monitorId: string, maxResults?: number): Promise<Json> {
    return this.http.get(`${api}/models/${seg(model)}/monitors/${seg(monitorId)}/results`, {
      max_results: maxResults,
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
