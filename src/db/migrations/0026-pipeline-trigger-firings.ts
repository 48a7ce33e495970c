import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * What a trigger firing needs to start its run once across servers (issue 12, point 7), on
 * `pipeline_trigger_firings` (migration 0019):
 * - `state`: `pending` (recorded by the event consumer, not started yet) -> `starting` (claimed by one server)
 *   -> `started` (`run_id` set), or `failed` (`error` set: parameters invalid, pipeline gone, server lost).
 * - `params`: the run's parameters as resolved from the event (JSON object), so that any server can start it.
 * - `event_id`: the outbox event that fired it (null for a webhook call).
 * - `claimed_by`, `started_at`: which server claimed it and when (a claim left `starting` too long fails).
 */
export function pipelineTriggerFiringsMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('pipeline_trigger_firings')
        .addColumn('state', 'text', (c) => c.notNull().defaultTo('pending'))
        .execute();
      await db.schema.alterTable('pipeline_trigger_firings').addColumn('params', 'text').execute();
      await db.schema.alterTable('pipeline_trigger_firings').addColumn('event_id', 'bigint').execute();
      await db.schema.alterTable('pipeline_trigger_firings').addColumn('claimed_by', 'text').execute();
      await db.schema.alterTable('pipeline_trigger_firings').addColumn('started_at', 'bigint').execute();
      await db.schema
        .createIndex('pipeline_trigger_firings_state')
        .on('pipeline_trigger_firings')
        .column('state')
        .execute();
      await db.schema
        .createIndex('pipeline_trigger_firings_recent')
        .on('pipeline_trigger_firings')
        .columns(['trigger_id', 'created_at'])
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex('pipeline_trigger_firings_recent').execute();
      await db.schema.dropIndex('pipeline_trigger_firings_state').execute();
      for (const column of ['started_at', 'claimed_by', 'event_id', 'params', 'state']) {
        await db.schema.alterTable('pipeline_trigger_firings').dropColumn(column).execute();
      }
    },
  };
}
