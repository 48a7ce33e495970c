/**
 * The trigger tables as Kysely sees them: created by migration 0019-pipeline-schedules, firings' state and
 * parameters added by 0026-pipeline-trigger-firings. Times are epoch ms.
 */
export interface PipelineTriggersTable {
  trigger_id: string;
  name: string;
  /** `registry_event`, `monitoring_alert` or `webhook`. */
  kind: string;
  pipeline_name: string;
  pipeline_version: number | null;
  /** JSON object: which events fire it (see trigger-filter.ts). */
  filter: string;
  /** JSON object: the run's parameters, strings may hold `{{event.<field>}}`. */
  params: string;
  /** SHA-256 (hex) of a webhook trigger's bearer token. */
  token_hash: string | null;
  enabled: number;
  created_by: string;
  created_at: number;
}

export interface PipelineTriggerFiringsTable {
  trigger_id: string;
  /** `event:<outbox id>` for an event, `webhook:<key>` for a webhook call: unique per trigger. */
  event_key: string;
  run_id: string | null;
  error: string | null;
  created_at: number;
  /** `pending` -> `starting` -> `started`, or `failed`. */
  state: string;
  /** JSON object: the run's resolved parameters. */
  params: string | null;
  event_id: number | null;
  claimed_by: string | null;
  started_at: number | null;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible record.
export type TriggerTables = {
  pipeline_triggers: PipelineTriggersTable;
  pipeline_trigger_firings: PipelineTriggerFiringsTable;
};
