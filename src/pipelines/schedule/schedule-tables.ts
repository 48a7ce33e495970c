/** The schedule tables as Kysely sees them (created by migration 0019-pipeline-schedules). Times are epoch ms. */
export interface PipelineSchedulesTable {
  schedule_id: string;
  name: string;
  pipeline_name: string;
  pipeline_version: number | null;
  cron: string;
  timezone: string;
  /** JSON object: the run's parameters (`{{scheduled_time}}` in a string is replaced by the fire time). */
  params: string;
  catch_up: string;
  catch_up_cap: number;
  max_concurrent: number;
  enabled: number;
  next_fire_at: number | null;
  last_fire_at: number | null;
  missed: number;
  created_by: string;
  created_at: number;
}

export interface PipelineScheduleFiresTable {
  fire_id: string;
  schedule_id: string;
  fire_time: number;
  /** `cron` or `backfill`. */
  source: string;
  max_concurrent: number;
  /** `pending` -> `starting` -> `started` -> `finished`, or `failed`. */
  state: string;
  run_id: string | null;
  error: string | null;
  claimed_by: string | null;
  created_at: number;
  started_at: number | null;
}

// A type alias, not an interface: Kysely's withTables needs an index-compatible record.
export type ScheduleTables = {
  pipeline_schedules: PipelineSchedulesTable;
  pipeline_schedule_fires: PipelineScheduleFiresTable;
};
