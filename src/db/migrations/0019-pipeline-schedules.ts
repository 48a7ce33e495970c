import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Pipelines, part 2 (issue 12, points 2 and 7): step tokens and schedules.
 *
 * - `pipeline_step_tokens`: the short-lived bearer token each step process gets (MLFLOW_TRACKING_TOKEN) when auth
 *   is on. Only its SHA-256 is kept. It acts as the user who started the pipeline run, narrowed to the
 *   pipeline's experiment (read) and the step's own MLflow run (write); `expires_at` is pushed forward while the
 *   step runs and `revoked_at` is set when it ends, so a token outlives neither its step nor (by more than its
 *   renewal window) a server that died.
 * - `pipeline_schedules`: cron schedules of a pipeline in a time zone, with a catch-up policy; `next_fire_at` is
 *   the next due time. One server of several claims a due schedule (row lock, SKIP LOCKED on PostgreSQL).
 * - `pipeline_schedule_fires`: one row per scheduled time that is to start a run (cron or backfill); unique per
 *   (schedule, time, source) so that a time starts at most one run, whatever the number of servers.
 * - `pipeline_triggers`: what starts a pipeline on an event (a registry event, a monitoring alert) or on an
 *   authenticated webhook call (`token_hash`: SHA-256 of its bearer token).
 * - `pipeline_trigger_firings`: one row per (trigger, event) that started a run, unique, so an event delivered
 *   twice or seen by two servers starts one run.
 */
export function pipelineSchedulesMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('pipeline_step_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('pipeline_run_id', 'text', (c) => c.notNull())
        .addColumn('step_run_id', 'text', (c) => c.notNull())
        .addColumn('mlflow_run_id', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('pipeline_step_tokens_expiry')
        .on('pipeline_step_tokens')
        .column('expires_at')
        .execute();

      await db.schema
        .createTable('pipeline_schedules')
        .addColumn('schedule_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('pipeline_name', 'text', (c) => c.notNull())
        .addColumn('pipeline_version', 'integer')
        .addColumn('cron', 'text', (c) => c.notNull())
        .addColumn('timezone', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('catch_up', 'text', (c) => c.notNull())
        .addColumn('catch_up_cap', 'integer', (c) => c.notNull())
        .addColumn('max_concurrent', 'integer', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('next_fire_at', 'bigint')
        .addColumn('last_fire_at', 'bigint')
        .addColumn('missed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pipeline_schedules_due')
        .on('pipeline_schedules')
        .columns(['enabled', 'next_fire_at'])
        .execute();

      await db.schema
        .createTable('pipeline_schedule_fires')
        .addColumn('fire_id', 'text', (c) => c.primaryKey())
        .addColumn('schedule_id', 'text', (c) => c.notNull())
        .addColumn('fire_time', 'bigint', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('max_concurrent', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('error', 'text')
        .addColumn('claimed_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addUniqueConstraint('pipeline_schedule_fires_once', ['schedule_id', 'fire_time', 'source'])
        .execute();
      await db.schema
        .createIndex('pipeline_schedule_fires_state')
        .on('pipeline_schedule_fires')
        .columns(['schedule_id', 'state', 'fire_time'])
        .execute();

      await db.schema
        .createTable('pipeline_triggers')
        .addColumn('trigger_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('pipeline_name', 'text', (c) => c.notNull())
        .addColumn('pipeline_version', 'integer')
        .addColumn('filter', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pipeline_trigger_firings')
        .addColumn('trigger_id', 'text', (c) => c.notNull())
        .addColumn('event_key', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('pipeline_trigger_firings_pk', ['trigger_id', 'event_key'])
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('pipeline_trigger_firings').execute();
      await db.schema.dropTable('pipeline_triggers').execute();
      await db.schema.dropTable('pipeline_schedule_fires').execute();
      await db.schema.dropTable('pipeline_schedules').execute();
      await db.schema.dropTable('pipeline_step_tokens').execute();
    },
  };
}
