import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Pipelines (issue 12): versioned definitions, pipeline runs and step runs.
 *
 * - `pipeline_definitions`: one row per (name, version); `spec` is the document as JSON, `digest` its SHA-256, so
 *   defining the same document twice keeps one version.
 * - `pipeline_runs`: a run of one definition; `run_id` is the MLflow run that holds it. `lease_owner` and
 *   `lease_expires_at` name the process driving it: another process takes it over once the lease has expired.
 * - `pipeline_step_runs`: one row per step and fan-out item (`item_index` -1 when the step does not fan out). The
 *   state machine (pending, running, succeeded, failed, skipped, cached, cancelled) is enforced by the store with
 *   conditional updates; `lease_owner`/`lease_expires_at` make a claim exclusive, so no step runs twice at once;
 *   `failure_attempts` and `preemption_attempts` count against the step's two retry budgets.
 */
export function pipelinesMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('pipeline_definitions')
        .addColumn('definition_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('digest', 'text', (c) => c.notNull())
        .addColumn('code_dir', 'text')
        .addColumn('experiment_id', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('pipeline_definitions_name_version', ['name', 'version'])
        .execute();

      await db.schema
        .createTable('pipeline_runs')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('definition_id', 'text', (c) => c.notNull())
        .addColumn('pipeline_name', 'text', (c) => c.notNull())
        .addColumn('experiment_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('code_dir', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('resumes', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('pipeline_runs_name')
        .on('pipeline_runs')
        .columns(['pipeline_name', 'created_at'])
        .execute();
      await db.schema
        .createIndex('pipeline_runs_status')
        .on('pipeline_runs')
        .columns(['status', 'lease_expires_at'])
        .execute();

      await db.schema
        .createTable('pipeline_step_runs')
        .addColumn('step_run_id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('item_index', 'integer', (c) => c.notNull())
        .addColumn('item', 'text')
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('failure_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('preemption_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('not_before', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('host', 'text')
        .addColumn('pid', 'integer')
        .addColumn('mlflow_run_id', 'text')
        .addColumn('exit_code', 'integer')
        .addColumn('outputs', 'text')
        .addColumn('cache_key', 'text')
        .addColumn('cache_parts', 'text')
        .addColumn('cached_from', 'text')
        .addColumn('started_at', 'bigint')
        .addColumn('ended_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('pipeline_step_runs_unit', ['run_id', 'step', 'item_index'])
        .execute();
      await db.schema
        .createIndex('pipeline_step_runs_cache')
        .on('pipeline_step_runs')
        .columns(['cache_key', 'state'])
        .execute();
      await db.schema
        .createIndex('pipeline_step_runs_lease')
        .on('pipeline_step_runs')
        .columns(['state', 'lease_expires_at'])
        .execute();
    },
  };
}
