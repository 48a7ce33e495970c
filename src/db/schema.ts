import type { ColumnType, Generated } from 'kysely';
import type { AuditTables } from './schema-audit.js';
import type { EventTables } from './schema-events.js';
import type { SecretTables } from './schema-secrets.js';
import type { UserTables } from './schema-users.js';
import type { SessionTables } from './schema-sessions.js';
import type { PermissionTables } from './schema-permissions.js';
import type { GovernanceTables } from './schema-governance.js';
import type { RegistryTables } from './schema-registry.js';

/** Table shapes as Kysely sees them. Times are epoch milliseconds; `is_nan` is 0/1. */
export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_uuid: string;
  experiment_id: number;
  name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
  deleted_time: number | null;
}

export interface KeyValueTable {
  run_uuid: string;
  key: string;
  value: string;
}

export interface MetricsTable {
  id: Generated<number>;
  run_uuid: string;
  key: string;
  value: number;
  is_nan: number;
  timestamp: number;
  step: number;
  model_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface LatestMetricsTable {
  run_uuid: string;
  /** The run's experiment (migration 0018), for the metric-ordered search index; NULL only for an orphaned row. */
  experiment_id: ColumnType<number | null, number, number>;
  key: string;
  value: number;
  is_nan: number;
  timestamp: number;
  step: number;
}

/**
 * Per run and metric key, its distinct steps in summary (migration 0023): `step_count` of them from `first_step`
 * to `last_step`, `step_gcd` the gcd of `step - first_step` over them (0 for one step, NULL when unknown).
 */
export interface MetricStepSummariesTable {
  run_uuid: string;
  key: string;
  step_count: number;
  first_step: number;
  last_step: number;
  step_gcd: number | null;
}

export interface DatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface RunInputsTable {
  run_uuid: string;
  dataset_uuid: string;
  tags: string;
}

/** A logged model a run used (`runs/log-inputs` models), in the order first logged. */
export interface RunModelInputsTable {
  run_uuid: string;
  model_id: string;
  position: number;
}

export interface RunOutputsTable {
  run_uuid: string;
  model_id: string;
  step: number;
}

export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_time: number;
  last_updated_time: number;
  source_run_id: string | null;
  status: string;
  status_message: string | null;
  model_type: string | null;
  lifecycle_stage: string;
}

export interface LoggedModelKeyValueTable {
  model_id: string;
  key: string;
  value: string;
}

export interface LoggedModelMetricsTable {
  model_id: string;
  key: string;
  value: number;
  is_nan: number;
  timestamp: number;
  step: number;
  run_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

/** The tracking tables. */
export interface TrackingTables {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: KeyValueTable;
  tags: KeyValueTable;
  metrics: MetricsTable;
  latest_metrics: LatestMetricsTable;
  metric_step_summaries: MetricStepSummariesTable;
  datasets: DatasetsTable;
  run_inputs: RunInputsTable;
  run_outputs: RunOutputsTable;
  run_model_inputs: RunModelInputsTable;
  logged_models: LoggedModelsTable;
  logged_model_params: LoggedModelKeyValueTable;
  logged_model_tags: LoggedModelKeyValueTable;
  logged_model_metrics: LoggedModelMetricsTable;
}

/**
 * Every table, as one Kysely schema. Each domain declares its tables in its own `schema-*.ts` file beside
 * this one (registry, events...) and is added here.
 */
export interface Database
  extends
    TrackingTables,
    RegistryTables,
    EventTables,
    GovernanceTables,
    SecretTables,
    AuditTables,
    UserTables,
    SessionTables,
    PermissionTables {}

export type Count = ColumnType<number | string | bigint, never, never>;
