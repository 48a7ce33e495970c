import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * `bosun worker` processes (issue 12, point 8a). The queue itself is pg-boss's (its own `bosun_queue` schema, on
 * PostgreSQL only); these two tables say who runs what, so that the server can hand back the attempts of a worker
 * that stopped heartbeating:
 * - `pipeline_workers`: one row per worker process (`worker_id` unique per process, `name` as given with
 *   `--name`), its labels (JSON), concurrency, attempts running, `state` (`active`, `draining`, `stopped`) and
 *   last heartbeat (ms).
 * - `pipeline_worker_attempts`: one row per attempt sent to the queue (`job_id` is the pg-boss job's id):
 *   `state` `queued` -> `running` (claimed by `worker_id`) -> `done` (`result`: the attempt's result as JSON),
 *   or `lost` (its worker stopped heartbeating: the server hands it back as preempted). `cancel` is set when the
 *   server stops it (cancelled, timed out, lease lost); `mlflow_run_id` and `pid` once the step started.
 */
export function pipelineWorkersMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('pipeline_workers')
        .addColumn('worker_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('host', 'text', (c) => c.notNull())
        .addColumn('pid', 'integer', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('concurrency', 'integer', (c) => c.notNull())
        .addColumn('running', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('pipeline_worker_attempts')
        .addColumn('job_id', 'text', (c) => c.primaryKey())
        .addColumn('queue', 'text', (c) => c.notNull())
        .addColumn('step_run_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('worker_id', 'text')
        .addColumn('cancel', 'text')
        .addColumn('mlflow_run_id', 'text')
        .addColumn('pid', 'integer')
        .addColumn('result', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('pipeline_worker_attempts_worker')
        .on('pipeline_worker_attempts')
        .columns(['worker_id', 'state'])
        .execute();
      await db.schema
        .createIndex('pipeline_worker_attempts_step')
        .on('pipeline_worker_attempts')
        .column('step_run_id')
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('pipeline_worker_attempts').execute();
      await db.schema.dropTable('pipeline_workers').execute();
    },
  };
}
