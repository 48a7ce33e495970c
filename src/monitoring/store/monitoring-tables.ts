import type { Generated, Kysely } from 'kysely';
import type { Database } from '../../db/index.js';

/** A reference dataset attached to a registered model (and optionally one of its versions or a logged model). */
export type MonitoringReferencesTable = {
  reference_id: Generated<number>;
  registered_model_id: number;
  name: string;
  version: number | null;
  logged_model_id: string | null;
  /** JSON: `[{ "name": "age", "type": "numerical" }, ...]`. */
  columns: string;
  row_count: number;
  /** JSON, column-wise: `{ "age": [31, 40, null], ... }` (the exact reference for p-values). */
  data: string;
  /** JSON: the column profiles (see ReferenceProfile). */
  profile: string;
  /** JSON: the run artifact or logged dataset the rows were read from (ReferenceSource); null: uploaded rows. */
  source: string | null;
  created_by: string | null;
  created_at: number;
};

/** One logged inference: features, prediction, an optional label joined later by request id. */
export type MonitoringPredictionsTable = {
  prediction_id: Generated<number>;
  registered_model_id: number;
  version: number;
  request_id: string | null;
  /** Epoch milliseconds of the inference. */
  timestamp: number;
  /** JSON object of feature values. */
  features: string;
  /** JSON value. */
  prediction: string;
  /** JSON value, or null until a label arrives. */
  label: string | null;
  labelled_at: number | null;
  ingested_at: number;
};

export type MonitorsTable = {
  monitor_id: Generated<number>;
  registered_model_id: number;
  name: string;
  target_version: number | null;
  target_alias: string | null;
  reference_id: number;
  window_ms: number;
  schedule_ms: number | null;
  /** JSON array of column names, or null for every reference column. */
  columns: string | null;
  /** JSON: MonitorConfig. */
  config: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  last_run_at: number | null;
};

export type MonitorResultsTable = {
  result_id: Generated<number>;
  monitor_id: number;
  version: number | null;
  window_start: number;
  window_end: number;
  row_count: number;
  labelled_rows: number;
  status: string;
  /** JSON: `{ "data_drift": true, "performance": false }`, one key per condition evaluated. */
  breaches: string;
  drift_share: number | null;
  dataset_drift: number | null;
  drift: string | null;
  performance: string | null;
  /** JSON: the window checked against the model version's signature (SchemaCheck); null: not checked. */
  schema_check: string | null;
  created_at: number;
};

/** One segment of a window (the rows whose `segment_by` column holds one value, or `__other__`). */
export type MonitorSegmentResultsTable = {
  segment_result_id: Generated<number>;
  result_id: number;
  monitor_id: number;
  segment: string;
  row_count: number;
  labelled_rows: number;
  status: string;
  breaches: string;
  drift_share: number | null;
  drift: string | null;
  performance: string | null;
};

export type MonitorAlertsTable = {
  alert_id: Generated<number>;
  monitor_id: number;
  condition: string;
  state: string;
  message: string;
  fired_at: number;
  fired_result_id: number;
  resolved_at: number | null;
  resolved_result_id: number | null;
  /** The segment the alert is about; null: the whole window. */
  segment: string | null;
};

/** The tables migrations 0014-monitoring and 0024-monitoring-segments create. */
export type MonitoringTables = {
  monitoring_references: MonitoringReferencesTable;
  monitoring_predictions: MonitoringPredictionsTable;
  monitors: MonitorsTable;
  monitor_results: MonitorResultsTable;
  monitor_alerts: MonitorAlertsTable;
  monitor_segment_results: MonitorSegmentResultsTable;
};

/** The database (or a transaction) with the monitoring tables typed; the same connection. */
export type MonitoringDb = Kysely<Database & MonitoringTables>;

/** Views `db` with the monitoring tables typed (no copy: the same connection or transaction). */
export function monitoringDb(db: Kysely<Database>): MonitoringDb {
  return db.withTables<MonitoringTables>();
}
