/**
 * The pipeline tables as Kysely sees them (created by migration 0013-pipelines). Times are epoch milliseconds;
 * JSON columns are text. The store reads them through `handle.db.withTables<PipelineTables>()`, so the shared
 * `Database` interface of src/db stays as it is.
 */
export interface PipelineDefinitionsTable {
  definition_id: string;
  name: string;
  version: number;
  spec: string;
  digest: string;
  code_dir: string | null;
  experiment_id: string;
  created_by: string;
  created_at: number;
}

export interface PipelineRunsTable {
  run_id: string;
  definition_id: string;
  pipeline_name: string;
  experiment_id: string;
  status: string;
  params: string;
  code_dir: string;
  error: string | null;
  cancel_requested: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  resumes: number;
  created_by: string;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

export interface PipelineStepRunsTable {
  step_run_id: string;
  run_id: string;
  step: string;
  item_index: number;
  item: string | null;
  phase: string;
  state: string;
  reason: string | null;
  failure_attempts: number;
  preemption_attempts: number;
  attempt: number;
  not_before: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  host: string | null;
  pid: number | null;
  mlflow_run_id: string | null;
  exit_code: number | null;
  outputs: string | null;
  cache_key: string | null;
  cache_parts: string | null;
  cached_from: string | null;
  started_at: number | null;
  ended_at: number | null;
  updated_at: number;
  /** Usage and cost summed over attempts (migration 0028-pipeline-costs; see pipelines/cost). */
  wall_ms: number | null;
  cpu_ms: number | null;
  peak_rss_bytes: number | null;
  resource_class: string | null;
  cost_usd: number | null;
  saved_usd: number | null;
}

/** An approval step's request and decision (migration 0022-pipeline-approvals). */
export interface PipelineApprovalsTable {
  step_run_id: string;
  run_id: string;
  step: string;
  status: string;
  message: string | null;
  requested_by: string;
  requested_at: number;
  expires_at: number | null;
  on_timeout: string;
  on_reject: string;
  model_name: string | null;
  model_version: string | null;
  target: string | null;
  registry_approval_id: number | null;
  decided_by: string | null;
  decided_at: number | null;
  comment: string | null;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible record.
export type PipelineTables = {
  pipeline_definitions: PipelineDefinitionsTable;
  pipeline_runs: PipelineRunsTable;
  pipeline_step_runs: PipelineStepRunsTable;
  pipeline_approvals: PipelineApprovalsTable;
};
