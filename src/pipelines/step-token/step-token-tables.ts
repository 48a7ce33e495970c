/** The step-token table as Kysely sees it (created by migration 0019-pipeline-schedules). Times are epoch ms. */
export interface PipelineStepTokensTable {
  token_hash: string;
  username: string;
  pipeline_run_id: string;
  step_run_id: string;
  mlflow_run_id: string;
  experiment_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible record.
export type StepTokenTables = { pipeline_step_tokens: PipelineStepTokensTable };
