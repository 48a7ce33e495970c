import { sql, type Kysely, type Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations describe tables before the typed schema exists */
type AnyDb = Kysely<any>;

/**
 * Search at scale: `experiment_id` copied from `runs` onto `latest_metrics` (a run never changes experiment),
 * and an index on (experiment_id, key, is_nan, value). A search ordered by a metric walks that index in value
 * order and probes the filters run by run until its page is full, instead of joining and sorting every match.
 * Existing rows are backfilled from `runs`; a latest value whose run is gone keeps a NULL and is never searched.
 */
export function searchScaleMigration(): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.alterTable('latest_metrics').addColumn('experiment_id', 'integer').execute();
      await sql`update latest_metrics set experiment_id =
        (select r.experiment_id from runs r where r.run_uuid = latest_metrics.run_uuid)`.execute(db);
      await db.schema
        .createIndex('latest_metrics_experiment_key_value')
        .on('latest_metrics')
        .columns(['experiment_id', 'key', 'is_nan', 'value'])
        .execute();
    },
  };
}
