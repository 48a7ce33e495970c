import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Pipelines, part 3 (issue 12, point 4): approval steps.
 *
 * - `pipeline_approvals`: one row per approval step run that asked for a decision (its step run is `waiting`
 *   meanwhile, with no process). `status` is `waiting`, then `approved`, `rejected`, `timed_out` or `cancelled`;
 *   every change is a conditional update on `waiting`, so one decision wins. `expires_at` is when `on_timeout`
 *   applies. With `approval.model`, `model_name`/`model_version`/`target` name the candidate version and
 *   `registry_approval_id` the registry's approval request (model_version_approvals) the decision is also
 *   recorded in, so the promotion policy and the registry's audit see it. The wait lives here, not in memory:
 *   a server restarted mid-wait picks it up.
 */
export function pipelineApprovalsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('pipeline_approvals')
        .addColumn('step_run_id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('step', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('message', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('on_timeout', 'text', (c) => c.notNull())
        .addColumn('on_reject', 'text', (c) => c.notNull())
        .addColumn('model_name', 'text')
        .addColumn('model_version', 'text')
        .addColumn('target', 'text')
        .addColumn('registry_approval_id', 'integer')
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('comment', 'text')
        .execute();
      await db.schema
        .createIndex('pipeline_approvals_run')
        .on('pipeline_approvals')
        .column('run_id')
        .execute();
      await db.schema
        .createIndex('pipeline_approvals_status')
        .on('pipeline_approvals')
        .column('status')
        .execute();
    },
  };
}
